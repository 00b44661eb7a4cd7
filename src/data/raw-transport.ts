// ConnectionTransport over raw TCP handles (raw-tcp.ts, raw-splice.ts): the data plane's default
// path on reuseport listeners. Runs on data-plane workers.
import type { ConnectionTransport, ConnectOwner } from './connection-transport.ts';
import { connectRaw } from './connect-raw.ts';
import { rawSplice } from './raw-splice.ts';
import { rawErrorName } from './raw-tcp.ts';
import type { PeerName, TcpHandle } from './raw-tcp.ts';

/** An accepted connection: its handle, and its addresses, each read once and only when asked for
 *  (a getpeername or getsockname system call and a string each). */
export class RawClient {
  readonly handle: TcpHandle;
  private peer: PeerName | null = null;
  private local: PeerName | null = null;
  open = true;

  constructor(handle: TcpHandle) {
    this.handle = handle;
  }

  /** Leaves the address undefined when the client already reset the connection. */
  peerName(): PeerName { return (this.peer ??= this.ask('getpeername')); }
  localName(): PeerName { return (this.local ??= this.ask('getsockname')); }

  private ask(call: 'getpeername' | 'getsockname'): PeerName {
    const out: PeerName = {};
    this.handle[call](out);
    return out;
  }
}

/** One connect attempt: its handle, and the owner told, once, how it ended. */
class RawConnect {
  handle: TcpHandle | null = null;
  private owner: ConnectOwner<RawConnect> | null;
  constructor(owner: ConnectOwner<RawConnect>) { this.owner = owner; }
  onConnected(status: number): void { this.report(status === 0 ? null : rawErrorName(status)); }
  report(error: string | null): void {
    const owner = this.owner;
    this.owner = null;
    owner?.connectDone(this, error);
  }
}

export const rawTransport: ConnectionTransport<RawClient, RawConnect> = {
  // An accepted raw handle does not read until readStart (in the splice).
  hold() {},
  remoteAddress: (c) => c.peerName().address,
  remotePort: (c) => c.peerName().port,
  localAddress: (c) => c.localName().address,
  localPort: (c) => c.localName().port,
  alive: (c) => c.open,
  reset(c) {
    if (!c.open) return;
    c.open = false;
    // Never shut down, so libuv cannot refuse the reset (reset-socket.ts has the case it refuses).
    c.handle.reset();
  },
  drop(c) {
    if (!c.open) return;
    c.open = false;
    c.handle.close();
  },
  connect(host, port, owner) {
    const attempt = new RawConnect(owner);
    const h = connectRaw(host, port, attempt);
    if (typeof h === 'number') {
      // Could not even start (bad address, no fds): report it like a failed connect, asynchronously
      // as a real one would be.
      const code = rawErrorName(h);
      queueMicrotask(() => attempt.report(code));
    } else attempt.handle = h;
    return attempt;
  },
  abort(u) {
    // Closing cancels a pending connect: its callback then reports an error, which the owner
    // ignores (the attempt is no longer its one in flight).
    u.handle?.close();
    u.handle = null;
  },
  splice(c, u, head, opts) {
    c.open = false;
    u.handle!.setNoDelay(true);
    return rawSplice(c.handle, u.handle!, { idleTimeoutMs: opts.idleTimeoutMs, onClose: opts.onClose, head });
  },
};
