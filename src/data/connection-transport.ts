// What the connection handler needs from the sockets it works with, so that one handler serves
// both kinds a data-plane worker has: raw TCP handles (raw-transport.ts: reuseport listeners, the
// default and fast path) and net.Socket (socket-transport.ts: connections transferred from the
// main thread, and Node builds where the raw bindings are missing). C is the accepted client,
// U the upstream being connected.
import type { Splice, SpliceOptions } from './splice-types.ts';

/** Who hears how a connect attempt ended: an object, so an attempt allocates no callback. */
export interface ConnectOwner<U> { connectDone(upstream: U, error: string | null): void }

export interface ConnectionTransport<C, U> {
  /** Read nothing from the client until the splice starts (bytes wait in the kernel meanwhile). */
  hold(client: C): void;
  remoteAddress(client: C): string | undefined;
  remotePort(client: C): number | undefined;
  localAddress(client: C): string | undefined;
  localPort(client: C): number | undefined;
  /** Still open (not yet reset, dropped or handed to a splice that closed it). */
  alive(client: C): boolean;
  /** Refuse: close with a RST (kube-proxy's REJECT). */
  reset(client: C): void;
  /** Drop: close without telling the client anything more. */
  drop(client: C): void;
  /** Start connecting; `owner.connectDone` is called once, with the upstream returned here and null
   *  when connected or the error code. It may still come after abort(): the owner ignores an
   *  upstream that is not its attempt in flight. */
  connect(host: string, port: number, owner: ConnectOwner<U>): U;
  /** Abandon an upstream whose connect has not completed (or failed). */
  abort(upstream: U): void;
  /** Copy bytes both ways until both ends are done; `head` (the PROXY header) goes upstream first. */
  splice(client: C, upstream: U, head: Buffer | null, opts: SpliceOptions): Splice;
}
