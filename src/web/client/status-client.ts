// The status page in the browser: polls /status.json every second (with `since=`, so each answer
// carries only the new samples), keeps the history (history-store.ts), updates the figures of every
// Service in place and draws charts for the expanded ones. Collapsed Services cost a summary line and
// a sparkline; a Service's whole history is fetched when it is expanded. Browser code, embedded by its
// source text (see charts.ts): every function self-contained.
import type { HistoryMark, ServiceStatus, StatusDocument } from '../../model/status-document.ts';
import { esc, serviceBody, serviceSection, serviceSummary, listenersList, pageMeta, portLive, workersTable } from '../status-markup.ts';
import { clockTime, createChart, shareBars, updateChart, type ChartHandle, type ChartMark, type ChartSpec } from './charts.ts';
import { mergeHistory, newHistoryStore, storeValues, type HistoryStore } from './history-store.ts';

/** The charts of a Service port: which series go together, in what unit. Series the server sends
 *  that no chart names are drawn in a last chart of their own, so a new kind of port shows up. */
export function portChartSpecs(store: HistoryStore, pk: string): ChartSpec[] {
  const groups: { id: string; title: string; unit: ChartSpec['unit']; keys: [string, string][] }[] = [
    { id: 'rate', title: 'New connections per second', unit: 'rate', keys: [['connections', 'new connections'], ['flows', 'new flows'], ['refusals', 'refused'], ['retries', 'retries'], ['connectErrors', 'connect errors']] },
    { id: 'bytes', title: 'Bytes per second', unit: 'bytes', keys: [['bytesIn', 'from clients'], ['bytesOut', 'to clients']] },
    { id: 'datagrams', title: 'Datagrams per second', unit: 'rate', keys: [['datagramsIn', 'from clients'], ['datagramsOut', 'to clients'], ['drops', 'dropped']] },
    { id: 'active', title: 'Active connections', unit: 'count', keys: [['active', 'active'], ['activeFlows', 'active flows']] },
    { id: 'latency', title: 'Connect latency', unit: 'seconds', keys: [['connectP50', 'p50'], ['connectP99', 'p99']] },
  ];
  const have = store.ports.get(pk)?.keys ?? new Set<string>();
  const named = new Set<string>();
  const specs: ChartSpec[] = [];
  for (const g of groups) {
    const lines = g.keys.filter(([k]) => { named.add(k); return have.has(k); })
      .map(([key, label]) => ({ key, label, values: storeValues(store, `p|${pk}|${key}`) }));
    if (lines.length) specs.push({ id: g.id, title: g.title, unit: g.unit, lines });
  }
  const other = [...have].filter((k) => !named.has(k)).sort();
  if (other.length) specs.push({ id: 'other', title: 'Other per second', unit: 'rate', lines: other.map((key) => ({ key, label: key, values: storeValues(store, `p|${pk}|${key}`) })) });
  return specs;
}

export function workerChartSpecs(store: HistoryStore): ChartSpec[] {
  const ws = [...store.workers].sort((a, b) => a - b);
  const per = (key: string, label: string) => ws.map((w) => ({ key: `w${w}`, label: `${label}${w}`, values: storeValues(store, `w|${w}|${key}`) }));
  return [
    { id: 'delay', title: 'Loop delay p99 per worker', unit: 'seconds', lines: per('loopDelayP99', 'worker ') },
    { id: 'wactive', title: 'Active connections per worker', unit: 'count', lines: per('active', 'worker ') },
    { id: 'wconns', title: 'New connections/s per worker', unit: 'rate', lines: per('connections', 'worker ') },
    { id: 'cpu', title: 'switchyard CPU (cores)', unit: 'cores', lines: [{ key: 'cpuCores', label: 'cores', values: storeValues(store, 'c|cpuCores') }] },
  ];
}

/** Marks for a port's charts (its endpoints' changes) or the workers' (restarts). */
export function chartMarks(marks: HistoryMark[], service: string | null, port: string | null): ChartMark[] {
  const good = ['ready', 'added'];
  return marks.filter((m) => (service === null ? m.kind === 'worker' : m.kind === 'endpoint' && m.service === service && m.port === port))
    .map((m) => ({ time: m.time, state: m.state, label: m.kind === 'worker' ? `worker ${m.worker}` : m.endpoint ?? '', reason: m.reason, bad: !good.includes(m.state) }));
}

/** A tiny line of new connections per second for a collapsed Service's summary. */
export function sparkSvg(values: (number | null)[]): string {
  const w = 90;
  const h = 16;
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  const n = values.length;
  if (n < 2) return '';
  const pts: string[] = [];
  values.forEach((v, i) => { if (v !== null) pts.push(`${((i / (n - 1)) * w).toFixed(1)},${(h - 1 - (max > 0 ? (v / max) * (h - 2) : 0)).toFixed(1)}`); });
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><polyline points="${pts.join(' ')}" fill="none" stroke="currentColor" stroke-width="1.25"/></svg>`;
}

/** Draws or updates the charts, share bars and change list inside one `.charts` holder. */
export function drawHolder(holder: HTMLElement, specs: ChartSpec[], marks: ChartMark[], times: number[], window: number,
  charts: Map<string, ChartHandle>, below: string): void {
  let grid = holder.querySelector('.chart-grid') as HTMLElement | null;
  if (!grid) {
    holder.innerHTML = '<div class="chart-grid"></div><div class="below"></div>';
    grid = holder.querySelector('.chart-grid') as HTMLElement;
  }
  const key = holder.dataset.charts ?? '';
  for (const spec of specs) {
    const id = `${key}#${spec.id}`;
    const h = charts.get(id);
    if (h && h.figure.isConnected) { charts.set(id, updateChart(h, spec, times, marks)); continue; }
    const fig = document.createElement('figure');
    fig.className = 'chart';
    fig.dataset.chart = spec.id;
    grid.appendChild(fig);
    charts.set(id, createChart(fig, spec, times, marks, window));
  }
  (holder.querySelector('.below') as HTMLElement).innerHTML = below;
}

/** The changes of a port or of the workers, newest first: the time axis' marks in words. */
export function changesList(marks: ChartMark[]): string {
  if (!marks.length) return '';
  const items = marks.slice().reverse().slice(0, 20).map((m) => `<li class="${m.bad ? 'bad' : 'ok'}" data-state="${esc(m.state)}">` +
    `<time>${clockTime(m.time)}</time> ${esc(m.label)} <b>${esc(m.state)}</b> — ${esc(m.reason)}</li>`);
  return `<div class="changes"><h4>Changes in the last 5 minutes</h4><ol>${items.join('')}</ol></div>`;
}

export function startStatusPage(): void {
  let prev: StatusDocument | null = null;
  let doc = JSON.parse((document.getElementById('initial') as HTMLElement).textContent ?? '{}') as StatusDocument;
  const store = newHistoryStore();
  if (doc.history) mergeHistory(store, doc.history);
  // Services whose every series is held (the first page sends all of them when it opens them all).
  const full = new Set<string>(doc.services.length <= 4 ? doc.services.map((s) => s.name) : []);
  const charts = new Map<string, ChartHandle>();
  const root = document.getElementById('services') as HTMLElement;
  const error = document.getElementById('error') as HTMLElement;
  const filter = document.getElementById('filter') as HTMLInputElement;
  const shown = document.getElementById('shown') as HTMLElement;
  const meta = document.getElementById('meta') as HTMLElement;

  const section = (name: string) => root.querySelector(`details.service[data-service="${CSS.escape(name)}"]`) as HTMLDetailsElement | null;
  const dropCharts = (prefix: string) => {
    for (const [id, h] of charts) if (id.startsWith(prefix)) { h.plot.destroy(); charts.delete(id); }
  };

  function drawService(s: ServiceStatus, el: HTMLDetailsElement) {
    for (const p of s.ports) {
      const pk = `${s.name}|${p.port}`;
      const holder = el.querySelector(`.charts[data-charts="${CSS.escape(pk)}"]`) as HTMLElement | null;
      if (!holder) continue;
      const marks = chartMarks(store.marks, s.name, p.port);
      const perEp = p.endpoints.map((e) => {
        let count = 0;
        for (const v of storeValues(store, `e|${pk}|${e.endpoint}|connections`)) if (v !== null) count += v * (doc.history?.intervalSeconds ?? 1);
        return { label: e.endpoint, count: Math.round(count) };
      });
      const below = shareBars(perEp, 'Share of new connections over the last 5 minutes') + changesList(marks);
      drawHolder(holder, portChartSpecs(store, pk), marks, store.times, store.windowSeconds, charts, below);
    }
  }

  function drawWorkers() {
    const holder = document.querySelector('.charts[data-charts="workers"]') as HTMLElement | null;
    if (!holder) return;
    const marks = chartMarks(store.marks, null, null);
    drawHolder(holder, workerChartSpecs(store), marks, store.times, store.windowSeconds, charts, changesList(marks));
    (document.querySelector('.workers .live') as HTMLElement).innerHTML = workersTable(doc);
  }

  function openService(name: string) {
    const el = section(name);
    const s = doc.services.find((x) => x.name === name);
    if (!el || !s) return;
    const dt = prev ? (doc.time - prev.time) / 1000 : 0;
    (el.querySelector('.body') as HTMLElement).innerHTML = serviceBody(s, prev?.services.find((x) => x.name === name), dt);
    drawService(s, el);
    if (full.has(name)) return;
    fetch(`status.json?since=0&service=${encodeURIComponent(name)}`, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((d: StatusDocument | null) => {
        if (!d?.history) return;
        full.add(name);
        mergeHistory(store, d.history);
        const again = section(name);
        const now = doc.services.find((x) => x.name === name);
        if (again?.open && now) drawService(now, again);
      })
      .catch(() => { /* the next poll tries again with the page's own error line */ });
  }

  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    let n = 0;
    for (const el of root.querySelectorAll<HTMLDetailsElement>('details.service')) {
      const hide = q !== '' && !(el.dataset.service ?? '').toLowerCase().includes(q);
      el.hidden = hide;
      if (!hide) n++;
    }
    shown.textContent = `${n} of ${doc.services.length} Services shown`;
  }

  function update() {
    const dt = prev ? (doc.time - prev.time) / 1000 : 0;
    meta.innerHTML = pageMeta(doc, prev);
    const names = new Set(doc.services.map((s) => s.name));
    for (const el of root.querySelectorAll<HTMLDetailsElement>('details.service')) {
      if (!names.has(el.dataset.service ?? '')) { dropCharts(`${el.dataset.service}|`); el.remove(); }
    }
    let after: Element | null = null;
    for (const s of doc.services) {
      const before = prev?.services.find((x) => x.name === s.name);
      let el = section(s.name);
      if (!el) {
        const tmp = document.createElement('div');
        tmp.innerHTML = serviceSection(s, before, dt, false);
        el = tmp.firstElementChild as HTMLDetailsElement;
        if (after) after.after(el); else root.prepend(el);
      }
      after = el;
      (el.querySelector('.summary-figures') as HTMLElement).innerHTML = serviceSummary(s, before, dt);
      if (!el.hidden) {
        const conns = s.ports.map((p) => storeValues(store, `p|${s.name}|${p.port}|connections`));
        const sum = store.times.map((_t, i) => conns.reduce<number | null>((a, c) => (c[i] === null ? a : (a ?? 0) + (c[i] as number)), null));
        (el.querySelector('.spark') as HTMLElement).innerHTML = sparkSvg(sum);
      }
      if (!el.open) continue;
      const ports = [...el.querySelectorAll<HTMLElement>('section.port')].map((x) => x.dataset.port).join(',');
      if (ports !== s.ports.map((p) => p.port).join(',')) { dropCharts(`${s.name}|`); openService(s.name); continue; }
      (el.querySelector('.listeners-live') as HTMLElement).innerHTML = listenersList(s);
      for (const p of s.ports) {
        const live = el.querySelector(`section.port[data-port="${CSS.escape(p.port)}"] .live`) as HTMLElement;
        live.innerHTML = portLive(p, before?.ports.find((x) => x.port === p.port), dt);
      }
      drawService(s, el);
    }
    applyFilter();
    drawWorkers();
  }

  root.addEventListener('toggle', (ev) => {
    const el = ev.target as HTMLDetailsElement;
    if (!el.matches('details.service')) return;
    const name = el.dataset.service ?? '';
    if (el.open) openService(name);
    else { dropCharts(`${name}|`); (el.querySelector('.body') as HTMLElement).innerHTML = ''; }
  }, true);
  filter.addEventListener('input', applyFilter);
  for (const [id, open] of [['expand-all', true], ['collapse-all', false]] as const) {
    (document.getElementById(id) as HTMLElement).addEventListener('click', () => {
      for (const el of root.querySelectorAll<HTMLDetailsElement>('details.service')) if (!el.hidden) el.open = open;
    });
  }
  // Colours follow the browser's scheme; a change redraws every chart in the other palette.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const h of charts.values()) h.plot.destroy();
    charts.clear();
    for (const holder of document.querySelectorAll<HTMLElement>('.chart-grid')) holder.innerHTML = '';
    update();
  });
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const h of charts.values()) h.plot.setSize({ width: Math.max(200, h.figure.clientWidth), height: 150 });
    }, 100) as unknown as number;
  });

  function poll() {
    const since = store.times.length ? store.times[store.times.length - 1] : 0;
    // Every series of the expanded Services; of the others only what their summary line draws.
    const few = doc.services.length <= 4;
    const open = [...root.querySelectorAll<HTMLDetailsElement>('details.service[open]')].map((el) => `&full=${encodeURIComponent(el.dataset.service ?? '')}`);
    fetch(`status.json?since=${since}${few ? '' : `&series=connections${open.join('')}`}`, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then((r) => { if (!r.ok) throw new Error(`status.json answered ${r.status}`); return r.json(); })
      .then((next: StatusDocument) => {
        if (next.history) mergeHistory(store, next.history);
        prev = doc;
        doc = next;
        update();
        error.textContent = '';
      })
      .catch((e: Error) => { error.textContent = `Not updating: ${e.message}`; })
      .finally(() => { setTimeout(poll, 1000); });
  }
  update();
  setTimeout(poll, 1000);
}
