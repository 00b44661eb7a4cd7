// The admin API's protections against abuse, installed and consulted from this one place so that
// the routes (the Kubernetes API, metrics, the status page) need not know of them. Main thread.
// - connection-guard.ts: per-client and total connection limits that close idle connections to
//   make room, so a flood cannot lock out health checks and real clients;
// - host-origin-guard.ts: Host (DNS rebinding) and Origin (cross-site writes) checks;
// - request bodies are capped where they are read (read-request-body.ts, AdminLimits.maxBodyBytes);
//   headers by the HTTP server's maxHeaderSize and its short headersTimeout.
import type { IncomingMessage, Server } from 'node:http';
import type { ApiError } from '../model/api-error.ts';
import { guardConnections, type ConnectionGuard } from './connection-guard.ts';
import { hostOriginGuard } from './host-origin-guard.ts';

export interface AdminGuardOptions {
  address: string;
  port: number;
  tokenRequired: boolean;
  maxConnections: number;
  maxConnectionsPerClient: number;
  log: (line: string) => void;
}

export interface AdminGuards {
  readonly connections: ConnectionGuard;
  /** The refusal to answer `req` with, or undefined. Health paths skip the Host check: they tell
   *  nothing, and probes address the server by whatever name reaches it. */
  check(req: IncomingMessage, method: string, healthPath: boolean): ApiError | undefined;
}

export function installAdminGuards(server: Server, o: AdminGuardOptions): AdminGuards {
  const connections = guardConnections(server, { maxConnections: o.maxConnections, maxPerClient: o.maxConnectionsPerClient, log: o.log });
  const hostOrigin = hostOriginGuard({ address: o.address, port: o.port, tokenRequired: o.tokenRequired });
  return {
    connections,
    check: (req, method, healthPath) => (healthPath ? undefined : hostOrigin(method, req.headers)),
  };
}
