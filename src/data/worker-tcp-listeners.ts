// A data-plane worker's own TCP listeners (reuseport mode): each binds with SO_REUSEPORT beside the
// other workers' and hands every accepted connection to the handler, as a raw TCP handle when this
// Node offers the bindings (take-accepted-handles.ts, raw-tcp.ts), else as a net.Socket. Worker
// thread. The closures below are made once per listener; what runs per connection is `serve` or
// `serveHandle`: a flag check and the handler.
import { createServer, type Server, type Socket } from 'node:net';
import type { ListenerSpec, WorkerToMain } from '../shared/messages.ts';
import { AcceptErrorReport } from './accept-error-report.ts';
import { handleConnection, type HandlerContext } from './connection-handler.ts';
import { listenerContext } from './listener-context.ts';
import { rawTcp, type TcpHandle } from './raw-tcp.ts';
import { RawClient, rawTransport } from './raw-transport.ts';
import { socketTransport } from './socket-transport.ts';
import { acceptedSocket } from './splice.ts';
import { takeAcceptedHandles } from './take-accepted-handles.ts';
import { threadClock } from './thread-clock.ts';

const ACCEPT_LOG_MS = 10_000;

export interface WorkerTcpListeners {
  /** Binds `spec` and answers with a `listening` message (with the error when the bind failed). */
  listen(spec: ListenerSpec): void;
  /** Stops accepting on `id` (established connections are not the listener's to end); false when
   *  this worker had no such TCP listener. */
  unlisten(id: string): boolean;
  /** Drain: every listener closed; a connection accepted in the same turn is reset, never served. */
  stop(): void;
}

export function createWorkerTcpListeners(workerId: number, ctx: HandlerContext, post: (m: WorkerToMain) => void): WorkerTcpListeners {
  const servers = new Map<string, Server>();
  const acceptErrors = new AcceptErrorReport(threadClock, ACCEPT_LOG_MS);
  let stopped = false;
  let warnedStreamAccept = false;
  const raw = rawTcp() !== null;
  if (!raw) post({ type: 'log', level: 'warn', message: `worker ${workerId}: this Node does not offer the raw TCP bindings; connections use net.Socket (more CPU per request)` });

  function listen(spec: ListenerSpec): void {
    const existing = servers.get(spec.id);
    if (existing) { post({ type: 'listening', id: spec.id }); return; }
    const lc = listenerContext(spec);
    const serve = (socket: Socket) => {
      if (stopped) { socket.resetAndDestroy(); return; }
      handleConnection(socket, socketTransport, lc, ctx);
    };
    const serveHandle = (handle: TcpHandle) => {
      if (stopped) { handle.reset(); return; }
      if (raw) handleConnection(new RawClient(handle), rawTransport, lc, ctx);
      else handleConnection(acceptedSocket(handle), socketTransport, lc, ctx);
    };
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, serve);
    const onError = (err: NodeJS.ErrnoException) => {
      servers.delete(spec.id);
      post({ type: 'listening', id: spec.id, error: { code: 'SY_LISTEN_FAILED', systemCode: err.code, message: err.message } });
    };
    server.once('error', onError);
    server.listen({ host: spec.address, port: spec.port, reusePort: true }, () => {
      server.removeListener('error', onError);
      if (!takeAcceptedHandles(server, serveHandle) && !warnedStreamAccept) {
        warnedStreamAccept = true;
        post({ type: 'log', level: 'warn', message: `worker ${workerId}: this Node's listening handle has no onconnection hook; accepted sockets use the stream path (more CPU per request)` });
      }
      server.on('error', (err) => {
        const line = acceptErrors.failed(spec.id, err);
        if (line !== null) post({ type: 'log', level: 'error', message: `worker ${workerId}: ${line}` });
      });
      post({ type: 'listening', id: spec.id });
    });
    servers.set(spec.id, server);
  }

  return {
    listen,
    unlisten(id) {
      const server = servers.get(id);
      if (!server) return false;
      servers.delete(id);
      server.close();
      return true;
    },
    stop() {
      stopped = true;
      for (const [id, server] of servers) {
        // A listen still binding never calls back once its server is closed: answer it here.
        if (!server.listening) post({ type: 'listening', id, error: { code: 'SY_DRAINING', message: 'the worker is draining' } });
        server.close();
      }
      servers.clear();
    },
  };
}
