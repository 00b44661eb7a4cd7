// kubelet's httpGet probe (pkg/probe/http): GET scheme://host:port/path with the probe's headers;
// any status in 200–399 is success (kubelet treats redirects it does not follow as success too),
// anything else fails with `HTTP probe failed with statuscode: N`. HTTPS is not verified, like
// kubelet. Keep-alive is off (kubelet sets DisableKeepAlives), so every probe opens a connection,
// as a client would. The timeout covers the whole exchange (Go's Client.Timeout). Main thread.
import { Agent, request } from 'undici';
import { joinHostPort } from '../model/ip-address.ts';
import { dialErrorText, errored, failed, inconclusive, isLocalError, type ProbeOutcome } from './probe-outcome.ts';

export interface HttpProbeSpec {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: { name: string; value: string }[];
  timeoutMs: number;
}

/** kubelet reads at most 10 KiB of the body (maxRespBodyLength). */
const MAX_BODY = 10 * 1024;

let httpAgent: Agent | undefined;
let httpsAgent: Agent | undefined;

function agentFor(scheme: 'HTTP' | 'HTTPS'): Agent {
  if (scheme === 'HTTPS') return httpsAgent ??= new Agent({ pipelining: 0, connect: { rejectUnauthorized: false } });
  return httpAgent ??= new Agent({ pipelining: 0 });
}

/** Close the shared dispatchers (on shutdown, and at the end of tests). */
export async function closeHttpProbeAgents(): Promise<void> {
  const agents = [httpAgent, httpsAgent];
  httpAgent = httpsAgent = undefined;
  await Promise.all(agents.map((a) => a?.close().catch(() => {})));
}

function httpProbeUrl(spec: HttpProbeSpec): string {
  const path = spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
  return `${spec.scheme === 'HTTPS' ? 'https' : 'http'}://${joinHostPort(spec.host, spec.port)}${path}`;
}

export async function probeHttp(spec: HttpProbeSpec): Promise<ProbeOutcome> {
  let url: string;
  try {
    url = new URL(httpProbeUrl(spec)).href;
  } catch {
    return errored(`parse "${httpProbeUrl(spec)}": invalid URL`);
  }
  // kubelet's defaults, overridable by the probe's own headers (a Host header sets the virtual host).
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/switchyard', accept: '*/*' };
  for (const h of spec.headers) headers[h.name.toLowerCase()] = h.value;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), spec.timeoutMs);
  const get = `Get "${url}"`;
  try {
    const res = await request(url, { method: 'GET', headers, dispatcher: agentFor(spec.scheme), signal: abort.signal });
    let body = '';
    try {
      for await (const chunk of res.body) {
        body += chunk.toString('utf8');
        if (body.length >= MAX_BODY) { body = body.slice(0, MAX_BODY); break; }
      }
    } finally {
      res.body.destroy();
    }
    if (res.statusCode >= 200 && res.statusCode < 400) return { ok: true, message: body };
    return failed(`HTTP probe failed with statuscode: ${res.statusCode}`);
  } catch (err) {
    if (abort.signal.aborted) return failed(`${get}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const local = isLocalError(e.code) ? e.code : isLocalError(e.cause?.code) ? e.cause!.code : undefined;
    if (local) return inconclusive(local);
    const cause = e.code && ERRNO_CODES.has(e.code) ? e : e.cause;
    if (cause?.code && ERRNO_CODES.has(cause.code)) return failed(`${get}: ${dialErrorText(spec.host, spec.port, cause)}`);
    return failed(`${get}: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

const ERRNO_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
