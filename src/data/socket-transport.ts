// ConnectionTransport over net.Socket (see connection-transport.ts): used for sockets transferred
// from the main thread, and wherever the raw TCP bindings are missing. Runs on data-plane workers.
import type { Socket } from 'node:net';
import type { ConnectionTransport } from './connection-transport.ts';
import { connectUpstream, splice } from './splice.ts';
import { resetSocket } from './reset-socket.ts';

// A paused client socket reports nothing until splice() reads it, but an 'error' event without a
// listener would throw, so one does-nothing listener (added by hold) covers the time before the
// splice's own; the splice learns of errors through its own listeners.
function ignore(): void {}

export const socketTransport: ConnectionTransport<Socket, Socket> = {
  hold(c) { c.pause(); c.on('error', ignore); },
  remoteAddress: (c) => c.remoteAddress,
  remotePort: (c) => c.remotePort,
  localAddress: (c) => c.localAddress,
  localPort: (c) => c.localPort,
  alive: (c) => !c.destroyed,
  reset(c) { resetSocket(c); },
  drop(c) { c.destroy(); },
  connect(host, port, owner) {
    const upstream = connectUpstream(host, port);
    const onError = (err: NodeJS.ErrnoException) => { upstream.removeListener('connect', onConnect); owner.connectDone(upstream, err.code ?? err.message); };
    const onConnect = () => { upstream.removeListener('error', onError); upstream.on('error', ignore); owner.connectDone(upstream, null); };
    upstream.once('error', onError);
    upstream.once('connect', onConnect);
    return upstream;
  },
  abort(u) { u.on('error', ignore); u.destroy(); },
  splice(c, u, head, opts) {
    if (head) u.write(head);
    return splice(c, u, opts);
  },
};
