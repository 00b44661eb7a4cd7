// The query of /status.json that asks for history: `since=MS` (required for any history; 0 = the
// whole window), `service=NS/NAME` (repeatable) and `series=KEY,KEY`. Pure; main thread.
import { ApiError } from '../model/api-error.ts';
import type { HistoryQuery } from './status-history-view.ts';

/** undefined when the query asks for no history (plain /status.json, as before). */
export function parseHistoryQuery(query: URLSearchParams): HistoryQuery | undefined {
  const sinceText = query.get('since');
  if (sinceText === null) {
    if (query.has('service') || query.has('series')) throw bad('service= and series= select history: add since=0 (the whole window) or since=MS');
    return undefined;
  }
  if (!/^\d{1,16}$/.test(sinceText)) throw bad(`since=${JSON.stringify(sinceText)}: give milliseconds since the epoch (0 for all history kept)`);
  const services = query.getAll('service').filter((s) => s !== '');
  const series = query.getAll('series').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const s of services) if (!/^[^/\s]+\/[^/\s]+$/.test(s)) throw bad(`service=${JSON.stringify(s)}: name a Service as NAMESPACE/NAME`);
  return {
    since: Number(sinceText),
    ...(services.length ? { services: new Set(services) } : {}),
    ...(series.length ? { series: new Set(series) } : {}),
  };
}

function bad(message: string): ApiError {
  return new ApiError(400, 'BadRequest', 'SY_BAD_STATUS_QUERY', message);
}
