// HTTP client of the admin API, used by every CLI verb except `serve`. Speaks the Kubernetes REST
// paths, turns Status bodies into ApiError, and turns "nobody is listening" into one actionable
// line (ServerUnreachable) instead of a stack trace. Runs in the CLI process.
import { Agent, request } from 'undici';
import { resourceOfKind } from '../api/api-resources.ts';
import type { NamespacedKind } from './resource-args.ts';
import type { Status } from '../model/api-error.ts';
import { ApiError } from '../model/api-error.ts';
import { SyError } from '../model/sy-error.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:10249';
/** What `kubectl get` asks for: the server's Table, or plain JSON from a server without Tables. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** The server did not answer at all; `message` is the whole line the CLI prints. */
export class ServerUnreachable extends SyError {
  constructor(server: string, why: string) {
    super('SY_SERVER_UNREACHABLE', `error: cannot reach the switchyard server at ${server} (${why}) — is \`switchyard serve\` running? ` +
      'Set --server or SWITCHYARD_SERVER to point elsewhere.');
    this.name = 'ServerUnreachable';
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable', ENOTFOUND: 'host not found', EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out', UND_ERR_CONNECT_TIMEOUT: 'connection timed out', UND_ERR_SOCKET: 'connection closed',
  EADDRNOTAVAIL: 'address not available',
};

/** The network error code of an undici failure (direct, wrapped in `cause`, or an AggregateError). */
function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string }; errors?: { code?: string }[] };
  for (const c of [e?.code, e?.cause?.code, e?.errors?.[0]?.code]) if (c && c in NETWORK_REASONS) return c;
  return undefined;
}

/** The most the CLI reads of one answer: lists of tens of thousands of endpoints are a few tens of
 *  MB; anything past this is not the admin API talking (a wrong --server, a stream that never ends). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number, what: string, server: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new SyError('SY_RESPONSE_TOO_LARGE', `the answer of ${server} to ${what} is larger than ${limit} bytes, more than the admin API ever sends; ` +
        'check that --server points at switchyard');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface AdminClientOptions {
  server: string;
  token?: string;
}

/** `/api/v1/namespaces/ns/services/name` and friends; namespace undefined = all namespaces. */
export function resourcePath(kind: NamespacedKind, namespace?: string, name?: string): string {
  const { resource, apiVersion } = resourceOfKind(kind);
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export class AdminClient {
  readonly server: string;
  readonly token?: string;
  private readonly agent = new Agent({ connect: { timeout: 10_000 } });

  constructor(opts: AdminClientOptions) {
    this.server = opts.server.replace(/\/+$/, '');
    this.token = opts.token;
  }

  /** Sends one request. Non-2xx answers throw ApiError; no answer throws ServerUnreachable. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: Record<string, string>, accept = 'application/json'): Promise<ApiResponse> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: this.agent });
    } catch (err) {
      const code = networkCode(err);
      if (code) throw new ServerUnreachable(this.server, NETWORK_REASONS[code]);
      throw err;
    }
    const text = await readCapped(res.body, MAX_RESPONSE_BYTES, `${method} ${path}`, this.server);
    let parsed: unknown = text;
    try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON: keep the text */ }
    if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, headers: res.headers, body: parsed };
    const s = parsed as Partial<Status> | undefined;
    if (s && typeof s === 'object' && s.kind === 'Status' && typeof s.message === 'string') throw ApiError.fromStatus(s as Status);
    const message = typeof parsed === 'string' && parsed ? parsed.trim() : `the server answered ${res.statusCode} to ${method} ${path}`;
    throw new ApiError(res.statusCode, res.statusCode === 401 ? 'Unauthorized' : 'InternalError', 'SY_SERVER', message);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
