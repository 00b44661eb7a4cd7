// Listening sockets bound on the main thread: the transfer acceptor's, and the short-lived probe
// that resolves a requested port 0 before the reuseport workers bind it.
import { createServer, type Server } from 'node:net';
import type { ListenerSpec } from '../shared/messages.ts';

/** A listener that could not be bound (or not any more: SY_DRAINING); `code` is the errno name. */
export class BindError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Binds `spec` on this thread, paused on connect; rejects with a BindError. */
export function bindMain(spec: ListenerSpec, reusePort: boolean): Promise<Server> {
  // noDelay on the accepted socket: the option lives on the fd, so it holds in the worker too.
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      // Bound without SO_REUSEPORT, this fails whenever any socket listens there: say whose it is.
      ? new BindError('EADDRINUSE', `${spec.address}:${spec.port} is in use by another process (${err.message})`)
      : new BindError(err.code ?? 'SY_LISTEN_FAILED', err.message)));
    server.listen({ host: spec.address, port: spec.port, reusePort }, () => resolve(server));
  });
}
