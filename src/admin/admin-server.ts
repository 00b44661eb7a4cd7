// The HTTP admin API: Kubernetes-style REST over the control plane, plus health, version and the
// routes other subsystems add (metrics, status page). Runs on the main thread, beside the control
// plane it serves; a bad request can fail only itself, never the process.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { ControlPlaneApi } from '../control/control-plane-api.ts';
import { ApiError } from '../model/api-error.ts';
import { SyError } from '../model/sy-error.ts';
import { installAdminGuards, type AdminGuards } from './admin-guards.ts';
import { bearerTokenMatches } from './bearer-token-matches.ts';
import { isLoopbackHost } from './is-loopback-host.ts';
import { serveKubeApi, type KubeApiContext } from './kube-api-routes.ts';
import { createListPages } from './list-pages.ts';
import { readRequestBody } from './read-request-body.ts';
import { DEFAULT_WATCH_OPTIONS, type WatchOptions } from './serve-watch.ts';
import { methodNotAllowed, notFoundPath, sendApiError, sendText } from './send-json.ts';

export interface AdminRoute {
  /** An HTTP method, or `*` for any. */
  method: string;
  /** Exact pathname, or a RegExp tested against the pathname. */
  path: string | RegExp;
  /** `match` is the RegExp's match for RegExp paths, null for string paths. Throwing gives a 500 Status. */
  handler(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray | null): void | Promise<void>;
}

export interface AdminLimits {
  maxBodyBytes: number;
  /** Time to receive the request headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a stalled upload ends with 408). */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Inactivity on a connection while a response is pending or being read. */
  socketIdleTimeoutMs: number;
  /** Open connections in all, and from one client address; beyond them the connection idle the
   *  longest is closed to make room (connection-guard.ts). */
  maxConnections: number;
  maxConnectionsPerClient: number;
  /** How long close() lets in-flight requests finish before cutting their connections. */
  closeGraceMs: number;
}

// Request headers must arrive within 5 s (kubectl sends them at once; a slowloris does not).
export const DEFAULT_ADMIN_LIMITS: AdminLimits = {
  maxBodyBytes: 1024 * 1024, headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 120_000, maxConnections: 128, maxConnectionsPerClient: 64, closeGraceMs: 5_000,
};

export interface AdminServerOptions {
  control: ControlPlaneApi;
  host: string;
  port: number;
  token?: string;
  extraRoutes?: AdminRoute[];
  /** /readyz answers 503 with this reason while it returns one (out of file descriptors, the shared store unreachable). */
  notReady?: () => string | undefined;
  log?: (line: string) => void;
  limits?: Partial<AdminLimits>;
  /** Watch bookmarks and timeouts (tests shorten them). */
  watch?: Partial<WatchOptions>;
  clock?: () => number;
}

export interface AdminServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

const HEALTH_PATHS = new Set(['/healthz', '/readyz', '/livez']);
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const limits: AdminLimits = { ...DEFAULT_ADMIN_LIMITS, ...opts.limits };
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const token = opts.token;
  if (token !== undefined && (token === '' || /\s/.test(token))) {
    throw new SyError('SY_ADMIN_TOKEN', 'the admin token is empty or contains whitespace; put one token (no spaces) in the --token-file');
  }
  if (token === undefined && !isLoopbackHost(opts.host)) {
    throw new SyError('SY_ADMIN_INSECURE',
      `refusing to serve the admin API on ${JSON.stringify(opts.host)} without a token: anyone who can reach it could change ` +
      'every Service. Bind a loopback address (serve --admin 127.0.0.1:PORT) or require a bearer token (serve --token-file FILE, readable by its owner only).');
  }
  const extra = opts.extraRoutes ?? [];
  // Installed once the server is bound (the guards name its address); no request arrives before.
  let guards!: AdminGuards;
  const kubeApi: KubeApiContext = {
    control: opts.control, version: VERSION, pages: createListPages(), watch: { ...DEFAULT_WATCH_OPTIONS, ...opts.watch },
    now: opts.clock ?? Date.now, readBody: (req) => readRequestBody(req, limits.maxBodyBytes),
    withAllow: (err, allow) => withAllow(err, allow),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      throw new ApiError(400, 'BadRequest', 'SY_BAD_PATH', `cannot parse the request target ${JSON.stringify(req.url)}`);
    }
    const pathname = url.pathname;
    const refused = guards.check(req, method, HEALTH_PATHS.has(pathname));
    if (refused) throw refused;
    if (HEALTH_PATHS.has(pathname)) {
      if (method !== 'GET' && method !== 'HEAD') throw withAllow(methodNotAllowed(method, pathname, ['GET', 'HEAD']), ['GET', 'HEAD']);
      // Readiness can fail while the process lives: liveness (/healthz, /livez) stays 200 then.
      const why = pathname === '/readyz' ? opts.notReady?.() : undefined;
      sendText(res, why ? 503 : 200, why ? `not ready: ${why}` : 'ok');
      return;
    }
    if (token !== undefined && !bearerTokenMatches(req.headers.authorization, token)) {
      throw new ApiError(401, 'Unauthorized', 'SY_UNAUTHORIZED',
        'missing or wrong bearer token; send "Authorization: Bearer <token>" with the token from the server\'s --token-file');
    }
    const allow: string[] = [];
    for (const route of extra) {
      const match = typeof route.path === 'string' ? (route.path === pathname ? null : undefined) : route.path.exec(pathname) ?? undefined;
      if (match === undefined) continue;
      if (route.method === '*' || route.method.toUpperCase() === method) {
        await route.handler(req, res, match);
        return;
      }
      allow.push(route.method.toUpperCase());
    }
    if (allow.length > 0) throw withAllow(methodNotAllowed(method, pathname, allow), allow);
    if (await serveKubeApi(kubeApi, req, res, url, method)) return;
    throw notFoundPath(pathname);
  }

  const allowHeaders = new WeakMap<ApiError, string[]>();
  function withAllow(err: ApiError, allow: string[]): ApiError {
    allowHeaders.set(err, [...new Set(allow)]);
    return err;
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (!(err instanceof ApiError)) {
      log(`admin: ${req.method} ${req.url} failed: ${(err as Error)?.stack ?? String(err)}`);
      err = new ApiError(500, 'InternalError', 'SY_INTERNAL',
        'the admin API hit an unexpected error; the request may not have been applied — check the server log and retry');
    }
    const apiErr = err as ApiError;
    if (res.headersSent) {
      // Part of a response is out; the only honest signal left is cutting the connection.
      res.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    const allow = allowHeaders.get(apiErr);
    if (allow) headers.allow = allow.join(', ');
    if (apiErr.httpStatus === 401) headers['www-authenticate'] = 'Bearer realm="switchyard"';
    // An oversized body is left unread: the connection cannot carry another request.
    if (apiErr.httpStatus === 413) headers.connection = 'close';
    sendApiError(res, apiErr, headers);
  }

  const server = createServer({
    // Node refuses a headersTimeout above requestTimeout.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (default 30 s).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
    maxHeaderSize: 16 * 1024,
  }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      try {
        fail(req, res, err);
      } catch (inner) {
        log(`admin: writing an error response failed: ${(inner as Error)?.stack ?? String(inner)}`);
        res.destroy();
      }
    });
  });
  server.setTimeout(limits.socketIdleTimeoutMs);
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const reason = status === 408 ? 'Timeout' : 'BadRequest';
    const message = status === 408
      ? 'the request was not received in time; send the whole request at once'
      : `malformed HTTP request: ${err.message}`;
    const body = JSON.stringify(new ApiError(status, reason, status === 408 ? 'SY_REQUEST_TIMEOUT' : 'SY_BAD_HTTP', message).toStatus());
    log(`admin: client error from ${socket.remoteAddress}: ${err.code ?? ''} ${err.message}`);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    socket.destroySoon();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log(`admin: server error: ${err.stack ?? err.message}`));
  const bound = server.address() as AddressInfo;
  guards = installAdminGuards(server, {
    address: bound.address, port: bound.port, tokenRequired: token !== undefined,
    maxConnections: limits.maxConnections, maxConnectionsPerClient: limits.maxConnectionsPerClient, log,
  });

  let closing: Promise<void> | undefined;
  return {
    address: bound.address,
    port: bound.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), limits.closeGraceMs).unref();
      });
      return closing;
    },
  };
}
