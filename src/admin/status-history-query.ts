// The query of /status.json that asks for history: `since=MS` (required for any history; 0 = the
// whole window), `service=NS/NAME` (repeatable: only those), `series=KEY,KEY` (port series),
// `endpoints=KEY,KEY` (endpoint series; none when `series` is given without it) and `full=NS/NAME`
// (repeatable: those Services get every series). Pure; main thread.
import { ApiError } from '../model/api-error.ts';
import type { HistoryQuery } from './status-history-view.ts';

/** undefined when the query asks for no history (plain /status.json, as before). */
export function parseHistoryQuery(query: URLSearchParams): HistoryQuery | undefined {
  const sinceText = query.get('since');
  if (sinceText === null) {
    for (const p of ['service', 'series', 'endpoints', 'full']) {
      if (query.has(p)) throw bad(`${p}= selects history: add since=0 (the whole window) or since=MS`);
    }
    return undefined;
  }
  if (!/^\d{1,16}$/.test(sinceText)) throw bad(`since=${JSON.stringify(sinceText)}: give milliseconds since the epoch (0 for all history kept)`);
  const names = (p: string) => {
    const out = query.getAll(p).filter((s) => s !== '');
    for (const s of out) if (!/^[^/\s]+\/[^/\s]+$/.test(s)) throw bad(`${p}=${JSON.stringify(s)}: name a Service as NAMESPACE/NAME`);
    return out;
  };
  const keys = (p: string) => query.getAll(p).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const services = names('service');
  const full = names('full');
  const series = keys('series');
  return {
    since: Number(sinceText),
    ...(services.length ? { services: new Set(services) } : {}),
    ...(series.length ? { series: new Set(series) } : {}),
    ...(query.has('endpoints') ? { endpointSeries: new Set(keys('endpoints')) } : {}),
    ...(full.length ? { full: new Set(full) } : {}),
  };
}

function bad(message: string): ApiError {
  return new ApiError(400, 'BadRequest', 'SY_BAD_STATUS_QUERY', message);
}
