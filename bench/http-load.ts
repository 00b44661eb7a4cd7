// Closed-loop HTTP load with autocannon (in this process): `connections` keep-alive connections,
// one request in flight on each, for `durationS`. Used for small requests and 1 MiB transfers.
import { createRequire } from 'node:module';
import { latencyHistogram, type LatencyUs } from './latency-histogram.ts';
import type { Address } from './target.ts';

interface AutocannonResult {
  requests: { total: number };
  throughput: { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  start: Date;
  finish: Date;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// autocannon is CommonJS without type declarations; the shape used is declared above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface HttpLoadResult { requests: number; bytes: number; elapsedS: number; errors: number; latency: LatencyUs }

export function runHttpLoad(addr: Address, path: string, connections: number, durationS: number): Promise<HttpLoadResult> {
  const hist = latencyHistogram();
  return new Promise((resolve, reject) => {
    const inst = autocannon({
      url: `http://${addr.host}:${addr.port}${path}`, connections, pipelining: 1, duration: durationS,
      timeout: 10, headers: { host: 'bench' },
    }, (err, r) => {
      if (err) { reject(err); return; }
      const elapsedS = (r.finish.getTime() - r.start.getTime()) / 1000;
      resolve({ requests: r.requests.total, bytes: r.throughput.total, elapsedS, errors: r.errors + r.timeouts + r.non2xx, latency: hist.summary() });
    });
    inst.on('response', (_client, status, _bytes, ms) => { if (status >= 200 && status < 300) hist.recordMs(ms); });
  });
}
