// The `history` part of /status.json: what the status sampler holds, from the samples newer than
// `since`, for the Services and series asked for. The page loads the whole window once and then asks
// for the samples after the last one it has, so a poll carries one value per series. Main thread.
import type { HistoryValues, StatusHistory } from '../model/status-document.ts';
import { ENDPOINT_SERIES } from './port-series.ts';
import { WORKER_SERIES, type SamplerState } from './status-sampler.ts';

export interface HistoryQuery {
  /** ms since the epoch; samples at or before it are left out (0: the whole window). */
  since: number;
  /** `namespace/name` of the Services whose ports to include; all when absent. */
  services?: ReadonlySet<string>;
  /** Port series keys to include; all when absent. */
  series?: ReadonlySet<string>;
  /** Endpoint series keys to include; when absent, all if `series` is absent too, else none. */
  endpointSeries?: ReadonlySet<string>;
  /** Services given every series whatever `series` and `endpointSeries` say (the page's expanded
   *  ones, while the collapsed rows need only their sparkline). */
  full?: ReadonlySet<string>;
}

function values(a: Float64Array, at: readonly number[]): HistoryValues {
  const out: HistoryValues = new Array(at.length);
  for (let k = 0; k < at.length; k++) {
    const v = a[at[k]];
    out[k] = Number.isNaN(v) ? null : v;
  }
  return out;
}

export function historyView(s: SamplerState, q: HistoryQuery): StatusHistory {
  const at = s.ring.positionsSince(q.since);
  const endpointSeries = q.endpointSeries ?? (q.series ? new Set<string>() : undefined);
  const ports: StatusHistory['ports'] = [];
  for (const t of s.ports.values()) {
    if (q.services && !q.services.has(t.service)) continue;
    const full = q.full?.has(t.service) ?? false;
    const series: Record<string, HistoryValues> = {};
    const keys = [...t.kind.series.map((x) => x.key), ...t.kind.quantiles.map((x) => x.key)];
    keys.forEach((key, i) => { if (full || !q.series || q.series.has(key)) series[key] = values(t.series[i], at); });
    const endpoints: StatusHistory['ports'][number]['endpoints'] = [];
    if (full || !endpointSeries || endpointSeries.size > 0) {
      for (const e of t.endpoints.values()) {
        const es: Record<string, HistoryValues> = {};
        if (e.series) ENDPOINT_SERIES.forEach((src, i) => { if (full || !endpointSeries || endpointSeries.has(src.key)) es[src.key] = values(e.series![i], at); });
        endpoints.push({ endpoint: e.endpoint, series: es });
      }
    }
    ports.push({ service: t.service, port: t.port, series, endpoints });
  }
  ports.sort((a, b) => a.service.localeCompare(b.service) || a.port.localeCompare(b.port));
  const first = at.length ? s.ring.times[at[0]] : Infinity;
  return {
    intervalSeconds: s.intervalMs / 1000,
    windowSeconds: s.windowSeconds,
    times: at.map((p) => s.ring.times[p]),
    process: { cpuCores: values(s.cpu, at) },
    ports,
    workers: s.workers.map((w, worker) => ({
      worker, series: Object.fromEntries(WORKER_SERIES.map((key, i) => [key, values(w.series[i], at)])),
    })),
    marks: s.marks.filter((m) => m.time >= first && (m.kind !== 'endpoint' || !q.services || q.services.has(m.service!))),
  };
}
