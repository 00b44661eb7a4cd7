// ConnectionTransport over raw TCP handles (raw-tcp.ts, raw-splice.ts): the data plane's default
// path on reuseport listeners. Runs on data-plane workers.
import type { ConnectionTransport } from './connection-transport.ts';
import { connectRaw } from './connect-raw.ts';
import { rawSplice } from './raw-splice.ts';
import { rawErrorName } from './raw-tcp.ts';
import type { PeerName, TcpHandle } from './raw-tcp.ts';

/** An accepted connection: its handle, and its addresses read once (getpeername at accept; the
 *  local address only when a PROXY header needs it). */
export class RawClient {
  readonly handle: TcpHandle;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private local: PeerName | null = null;
  open = true;

  constructor(handle: TcpHandle) {
    this.handle = handle;
    const peer: PeerName = {};
    // Fails (and leaves the address undefined) when the client already reset the connection.
    if (handle.getpeername(peer) === 0) {
      this.remoteAddress = peer.address;
      this.remotePort = peer.port;
    }
  }

  localName(): PeerName {
    if (!this.local) {
      this.local = {};
      this.handle.getsockname(this.local);
    }
    return this.local;
  }
}

class RawConnect {
  handle: TcpHandle | null = null;
  private readonly done: (error: string | null) => void;
  constructor(done: (error: string | null) => void) { this.done = done; }
  onConnected(status: number): void { this.done(status === 0 ? null : rawErrorName(status)); }
}

export const rawTransport: ConnectionTransport<RawClient, RawConnect> = {
  // An accepted raw handle does not read until readStart (in the splice).
  hold() {},
  remoteAddress: (c) => c.remoteAddress,
  remotePort: (c) => c.remotePort,
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
  connect(host, port, done) {
    const attempt = new RawConnect(done);
    const h = connectRaw(host, port, attempt);
    if (typeof h === 'number') {
      // Could not even start (bad address, no fds): report it like a failed connect, asynchronously
      // as a real one would be.
      const code = rawErrorName(h);
      queueMicrotask(() => done(code));
    } else attempt.handle = h;
    return attempt;
  },
  abort(u) {
    // Closing cancels a pending connect: its callback then reports an error, which the handler
    // ignores once it has settled.
    u.handle?.close();
    u.handle = null;
  },
  splice(c, u, head, opts) {
    c.open = false;
    u.handle!.setNoDelay(true);
    return rawSplice(c.handle, u.handle!, { idleTimeoutMs: opts.idleTimeoutMs, onClose: opts.onClose, head });
  },
};
