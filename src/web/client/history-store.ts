// The browser's copy of the status history: every series /status.json?since= has sent, aligned on
// one list of sample times and trimmed to the server's window. The page loads the window once and
// appends each poll's new samples. Browser code, embedded by its source text like charts.ts (every
// function self-contained).
import type { HistoryMark, StatusHistory } from '../../model/status-document.ts';

export interface HistoryStore {
  times: number[];
  windowSeconds: number;
  /** `p|svc|port|key`, `e|svc|port|endpoint|key`, `w|worker|key`, `c|key` → values aligned on times. */
  series: Map<string, (number | null)[]>;
  /** `svc|port` → its series keys and endpoints seen. */
  ports: Map<string, { keys: Set<string>; endpoints: Set<string> }>;
  workers: Set<number>;
  marks: HistoryMark[];
}

export function newHistoryStore(): HistoryStore {
  return { times: [], windowSeconds: 300, series: new Map(), ports: new Map(), workers: new Set(), marks: [] };
}

/** The history's series flattened to store keys. */
export function historyEntries(h: StatusHistory, store: HistoryStore): [string, (number | null)[]][] {
  const out: [string, (number | null)[]][] = [];
  for (const p of h.ports) {
    const pk = `${p.service}|${p.port}`;
    let info = store.ports.get(pk);
    if (!info) store.ports.set(pk, info = { keys: new Set(), endpoints: new Set() });
    for (const k of Object.keys(p.series)) { info.keys.add(k); out.push([`p|${pk}|${k}`, p.series[k]]); }
    for (const e of p.endpoints) {
      info.endpoints.add(e.endpoint);
      for (const k of Object.keys(e.series)) out.push([`e|${pk}|${e.endpoint}|${k}`, e.series[k]]);
    }
  }
  for (const w of h.workers) {
    store.workers.add(w.worker);
    for (const k of Object.keys(w.series)) out.push([`w|${w.worker}|${k}`, w.series[k]]);
  }
  for (const k of Object.keys(h.process)) out.push([`c|${k}`, h.process[k]]);
  return out;
}

/** Adds a history answer: newer samples are appended; an answer over the same window (a Service's
 *  whole history, fetched when it is expanded) fills in values at the times already held. */
export function mergeHistory(store: HistoryStore, h: StatusHistory): void {
  store.windowSeconds = h.windowSeconds;
  const entries = historyEntries(h, store);
  const n = h.times.length;
  const last = store.times.length ? store.times[store.times.length - 1] : -Infinity;
  if (n > 0 && h.times[0] > last) {
    const held = store.times.length;
    for (const t of h.times) store.times.push(t);
    const touched = new Set<string>();
    for (const [key, values] of entries) {
      let arr = store.series.get(key);
      if (!arr) store.series.set(key, arr = new Array<number | null>(held).fill(null));
      for (const v of values) arr.push(v);
      touched.add(key);
    }
    for (const [key, arr] of store.series) if (!touched.has(key)) for (let i = 0; i < n; i++) arr.push(null);
  } else if (n > 0) {
    const at = new Map<number, number>();
    store.times.forEach((t, i) => at.set(t, i));
    for (const [key, values] of entries) {
      let arr = store.series.get(key);
      if (!arr) store.series.set(key, arr = new Array<number | null>(store.times.length).fill(null));
      for (let i = 0; i < n; i++) {
        const j = at.get(h.times[i]);
        if (j !== undefined) arr[j] = values[i];
      }
    }
  }
  const seen = new Set(store.marks.map((m) => `${m.time}|${m.kind}|${m.service}|${m.port}|${m.endpoint}|${m.worker}|${m.state}`));
  for (const m of h.marks) {
    const k = `${m.time}|${m.kind}|${m.service}|${m.port}|${m.endpoint}|${m.worker}|${m.state}`;
    if (!seen.has(k)) { seen.add(k); store.marks.push(m); }
  }
  store.marks.sort((a, b) => a.time - b.time);
  // Keep the server's window, ending at the newest sample.
  if (store.times.length) {
    const oldest = store.times[store.times.length - 1] - store.windowSeconds * 1000;
    let drop = 0;
    while (drop < store.times.length && store.times[drop] <= oldest) drop++;
    if (drop > 0) {
      store.times.splice(0, drop);
      for (const arr of store.series.values()) arr.splice(0, drop);
    }
    while (store.marks.length && store.marks[0].time <= oldest) store.marks.shift();
  }
}

/** A series' values aligned on store.times (nulls when it was never sent). */
export function storeValues(store: HistoryStore, key: string): (number | null)[] {
  return store.series.get(key) ?? new Array<number | null>(store.times.length).fill(null);
}
