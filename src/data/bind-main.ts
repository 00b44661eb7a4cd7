// Listening sockets bound on the main thread: the transfer acceptor's, and the short-lived probes
// that resolve a requested port 0 (TCP or UDP) before the workers bind it.
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
    server.once('error', (err: NodeJS.ErrnoException) => reject(new BindError('SY_LISTEN_FAILED', err.message, err.code)));
    server.listen({ host: spec.address, port: spec.port, reusePort }, () => resolve(server));
  });
}

/** A UDP port on `address` that was free a moment ago (bound with SO_REUSEPORT, read, released), for
 *  a UDP listener that asked for port 0; rejects with a BindError. */
export function freeUdpPort(address: string): Promise<number> {
  const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reusePort: true });
  return new Promise((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => { socket.close(); reject(new BindError('SY_LISTEN_FAILED', err.message, err.code)); });
    socket.bind({ address, port: 0 }, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
