// Listening sockets bound on the main thread: the transfer acceptor's, and the short-lived exclusive
// probes (TCP or UDP) that prove an address free and resolve a requested port 0 before the workers
// bind it (bind-on-workers.ts).
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { SyCode } from '../model/error-codes.ts';
import { SyError } from '../model/sy-error.ts';
import type { ListenerSpec } from '../shared/messages.ts';

/** A listener that could not be bound (SY_LISTEN_FAILED, the errno name in `systemCode`), or not any
 *  more (SY_DRAINING). */
export class BindError extends SyError {
  constructor(code: SyCode, message: string, systemCode?: string) {
    super(code, message, { systemCode });
    this.name = 'BindError';
  }
}

/** Binds `spec` on this thread, paused on connect; rejects with a BindError. */
export function bindMain(spec: ListenerSpec, reusePort: boolean): Promise<Server> {
  // noDelay on the accepted socket: the option lives on the fd, so it holds in the worker too.
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new BindError('SY_LISTEN_FAILED', err.code === 'EADDRINUSE'
      // Bound without SO_REUSEPORT, this fails whenever any socket listens there: say whose it is.
      ? `${spec.address}:${spec.port} is in use by another process (${err.message})` : err.message, err.code)));
    server.listen({ host: spec.address, port: spec.port, reusePort }, () => resolve(server));
  });
}

/** Binds `spec` as a UDP socket on this thread without SO_REUSEPORT or SO_REUSEADDR, which fails
 *  whenever any UDP socket is bound there, reads the port (a requested 0 resolved) and releases it;
 *  rejects with a BindError. */
export function probeUdpPort(spec: ListenerSpec): Promise<number> {
  const socket = createSocket({ type: spec.address.includes(':') ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(new BindError('SY_LISTEN_FAILED', err.code === 'EADDRINUSE'
        ? `${spec.address}:${spec.port} is in use by another process (${err.message})` : err.message, err.code));
    });
    socket.bind({ address: spec.address, port: spec.port }, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
