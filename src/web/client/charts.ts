// Time charts for the status page and the bench report, drawn with uPlot (served by switchyard
// itself, or inlined into the report). Browser code: page-assets.ts embeds the source text of each
// exported function in the page, so every function must be self-contained (nothing from outside but
// the DOM, uPlot and the other functions embedded beside it), and constants live inside functions.
//
// Accessibility: colours are the Okabe–Ito palette (distinct under the common colour-vision
// deficiencies) and each line of a chart also has its own dash pattern, so no line is told apart by
// colour alone; every chart has a text summary as its accessible name and a table of the same numbers
// on demand; marks on the time axis are focusable elements with their reason as their name.

import { esc } from '../status-markup.ts';

/** What a chart shows: lines over shared times (ms since the epoch), in one unit. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: 'rate' | 'bytes' | 'count' | 'seconds' | 'cores' | 'ms';
  lines: { key: string; label: string; values: (number | null)[] }[];
}

/** A moment worth seeing on the time axis. `bad`: something stopped working (drawn in vermillion). */
export interface ChartMark { time: number; state: string; label: string; reason: string; bad: boolean }

export interface ChartHandle {
  figure: HTMLElement;
  plot: uPlot;
  keys: string;
  marks: ChartMark[];
  /** Seconds the x axis spans, ending at the newest sample; 0: just the data. */
  window: number;
  spec: ChartSpec;
  times: number[];
}

/** Okabe–Ito, with a darker or lighter first choice for the page's background. */
export function chartColors(dark: boolean): Record<string, string> {
  return {
    blue: dark ? '#56B4E9' : '#0072B2', orange: '#E69F00', green: '#009E73', vermillion: dark ? '#FF8F4D' : '#D55E00',
    purple: '#CC79A7', sky: dark ? '#9ED3F0' : '#56B4E9', yellow: '#F0E442', grey: dark ? '#9aa4ae' : '#59636e',
  };
}

/** The colour a series is drawn in: fixed for the meaningful ones, so "refused" is always vermillion. */
export function lineColor(key: string, index: number, dark: boolean): string {
  const c = chartColors(dark);
  const fixed: Record<string, string> = {
    connections: c.blue, flows: c.sky, refusals: c.vermillion, retries: c.orange, connectErrors: c.purple, drops: c.vermillion,
    bytesIn: c.blue, bytesOut: c.orange, active: c.green, connectP50: c.blue, connectP99: c.vermillion,
    requests: c.blue, p50: c.blue, p99: c.vermillion, switchyard: c.blue, generator: c.orange, cpuCores: c.blue,
  };
  const cycle = [c.blue, c.orange, c.green, c.vermillion, c.purple, c.sky];
  return fixed[key] ?? cycle[index % cycle.length];
}

export function lineDash(index: number): number[] {
  const dashes = [[], [7, 3], [2, 3], [9, 3, 2, 3], [4, 4], [1, 2]];
  return dashes[index % dashes.length];
}

/** A moment as the browser's local wall-clock time with seconds, as the time axes show it. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function prefersDark(): boolean {
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** A value in a chart's unit, short enough for an axis. */
export function formatValue(v: number | null | undefined, unit: ChartSpec['unit']): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const si = (x: number, suffix: string): string => {
    const a = Math.abs(x);
    if (a >= 1e9) return `${+(x / 1e9).toFixed(1)}G${suffix}`;
    if (a >= 1e6) return `${+(x / 1e6).toFixed(1)}M${suffix}`;
    if (a >= 1e4) return `${+(x / 1e3).toFixed(1)}k${suffix}`;
    return `${+x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2)}${suffix}`;
  };
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let u = 0;
    let x = v;
    while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u++; }
    return `${+x.toFixed(u === 0 && x % 1 === 0 ? 0 : 1)} ${units[u]}/s`;
  }
  if (unit === 'seconds') {
    if (v === 0) return '0';
    if (v < 1e-3) return `${+(v * 1e6).toFixed(0)} µs`;
    if (v < 1) return `${+(v * 1e3).toFixed(v < 0.01 ? 2 : 1)} ms`;
    return `${+v.toFixed(2)} s`;
  }
  if (unit === 'ms') return `${+v.toFixed(v < 1 ? 3 : v < 10 ? 2 : 1)} ms`;
  if (unit === 'cores') return v.toFixed(2);
  if (unit === 'rate') return `${si(v, '')}/s`;
  return si(v, '');
}

/** The chart's accessible name: per line, the newest value and the highest over the chart. */
export function chartSummary(spec: ChartSpec, windowSeconds: number): string {
  const span = windowSeconds ? `over the last ${windowSeconds >= 120 ? `${Math.round(windowSeconds / 60)} minutes` : `${windowSeconds} seconds`}` : 'over the run';
  const parts = spec.lines.map((l) => {
    let last: number | null = null;
    let max: number | null = null;
    for (const v of l.values) if (v !== null) { last = v; max = max === null || v > max ? v : max; }
    return `${l.label} now ${formatValue(last, spec.unit)}, highest ${formatValue(max, spec.unit)}`;
  });
  return `${spec.title} ${span}: ${parts.join('; ') || 'no data yet'}.`;
}

/** The same numbers as a table, newest first. */
export function chartTable(spec: ChartSpec, times: number[], marks: ChartMark[]): string {
  const head = `<tr><th scope="col">Time</th>${spec.lines.map((l) => `<th scope="col">${esc(l.label)}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (let i = times.length - 1; i >= 0; i--) {
    const t = clockTime(times[i]);
    rows.push(`<tr><th scope="row">${t}</th>${spec.lines.map((l) => `<td>${formatValue(l.values[i], spec.unit)}</td>`).join('')}</tr>`);
  }
  const changes = marks.length
    ? `<p class="dim">Changes: ${marks.map((m) => `${clockTime(m.time)} ${esc(m.label)} ${esc(m.state)} — ${esc(m.reason)}`).join('; ')}</p>` : '';
  return `<table class="series"><caption>${esc(spec.title)}</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>${changes}`;
}

/** Indexes of values with no value on either side. */
export function isolatedPoints(values: (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) continue;
    if ((i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null)) out.push(i);
  }
  return out;
}

export function lastValue(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** uPlot's data: x in seconds, one array per line. */
export function chartData(spec: ChartSpec, times: number[]): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...spec.lines.map((l) => l.values)] as uPlot.AlignedData;
}

/** Places the marks: a line on the canvas and a focusable flag above the plot for each. */
export function drawMarks(h: ChartHandle): void {
  const u = h.plot;
  const layer = u.over.querySelector('.marks') as HTMLElement;
  // Canvas pixels for drawing, CSS pixels (from the plotting area's left edge) for the flags.
  const ratio = u.over.clientWidth > 0 ? u.bbox.width / u.over.clientWidth : 1;
  const dark = prefersDark();
  const c = chartColors(dark);
  const ctx = u.ctx;
  const html: string[] = [];
  for (const m of h.marks) {
    const x = u.valToPos(m.time / 1000, 'x', true);
    if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) continue;
    ctx.save();
    ctx.strokeStyle = m.bad ? c.vermillion : c.green;
    ctx.lineWidth = ratio;
    ctx.setLineDash(m.bad ? [4 * ratio, 3 * ratio] : [1 * ratio, 3 * ratio]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
    const text = `${clockTime(m.time)} ${m.label} ${m.state}: ${m.reason}`;
    html.push(`<span class="mark ${m.bad ? 'bad' : 'ok'}" tabindex="0" role="note" data-state="${esc(m.state)}" data-time="${m.time}" ` +
      `style="left:${u.valToPos(m.time / 1000, 'x').toFixed(1)}px" title="${esc(text)}" aria-label="${esc(text)}">${m.bad ? '▼' : '▲'}</span>`);
  }
  layer.innerHTML = html.join('');
}

/** A chart in `holder` (a <figure> with a title, the plot, a marks layer and an on-demand table). */
export function createChart(holder: HTMLElement, spec: ChartSpec, times: number[], marks: ChartMark[], windowSeconds: number): ChartHandle {
  const dark = prefersDark();
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue('--dim').trim() || '#6e7781';
  const grid = css.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
  holder.innerHTML = `<figcaption><span class="title">${esc(spec.title)}</span>` +
    '<button type="button" class="table-toggle" aria-expanded="false">Table</button></figcaption>' +
    '<div class="plot" role="img"></div><div class="chart-table" hidden></div>';
  const plotEl = holder.querySelector('.plot') as HTMLElement;
  const h = { figure: holder, keys: spec.lines.map((l) => l.key).join(','), marks, window: windowSeconds, spec, times } as ChartHandle;
  const axis = (unit: ChartSpec['unit']): uPlot.Axis => ({
    stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 62,
    values: (_u, splits) => splits.map((v) => formatValue(v, unit).replace('/s', '')),
  });
  const opts: uPlot.Options = {
    width: Math.max(200, holder.clientWidth || 280), height: 150,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: {
      // The window ends at the newest sample and spans `window` seconds, or less while the history is
      // younger (a server up for a minute fills the width with that minute).
      x: {
        time: true,
        range: (_u, min, max) => {
          if (!h.window || h.times.length < 2) return [min, max];
          const newest = h.times[h.times.length - 1] / 1000;
          return [Math.max(h.times[0] / 1000, newest - h.window), newest];
        },
      },
      // From zero; with nothing yet, a scale that suits the unit (a millisecond, not a second).
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : spec.unit === 'seconds' ? 0.001 : 1] },
    },
    // The time axis in the browser's local time, seconds included, on one line.
    axes: [{
      stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 28, space: 70,
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
      values: (_u, splits) => splits.map((v) => clockTime(v * 1000)),
    }, axis(spec.unit)],
    series: [
      { value: (_u, v) => (v === null ? '–' : clockTime(v * 1000)) },
      ...spec.lines.map((l, i): uPlot.Series => ({
        // Gaps stay gaps (a second without connections has no latency); a value alone between two
        // gaps is drawn as a dot, or it would not show at all.
        label: l.label, stroke: lineColor(l.key, i, dark), width: 1.75, dash: lineDash(i), spanGaps: false,
        points: { show: true, size: 5, fill: lineColor(l.key, i, dark), filter: (u, si) => isolatedPoints(u.data[si] as (number | null)[]) },
        // Away from the cursor the legend shows the newest value.
        value: (u, v, si, idx) => formatValue(idx === null ? lastValue(u.data[si] as (number | null)[]) : v, spec.unit),
      })),
    ],
    hooks: { draw: [() => drawMarks(h)] },
  };
  h.plot = new uPlot(opts, chartData(spec, times), plotEl);
  const layer = document.createElement('div');
  layer.className = 'marks';
  h.plot.over.appendChild(layer);
  drawMarks(h);
  plotEl.setAttribute('aria-label', chartSummary(spec, windowSeconds));
  const button = holder.querySelector('.table-toggle') as HTMLButtonElement;
  const table = holder.querySelector('.chart-table') as HTMLElement;
  button.addEventListener('click', () => {
    const show = table.hidden;
    table.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    button.textContent = show ? 'Hide table' : 'Table';
    if (show) table.innerHTML = chartTable(h.spec, h.times, h.marks);
  });
  return h;
}

/** New numbers for a chart (recreated when its set of lines changed). */
export function updateChart(h: ChartHandle, spec: ChartSpec, times: number[], marks: ChartMark[]): ChartHandle {
  if (spec.lines.map((l) => l.key).join(',') !== h.keys) {
    h.plot.destroy();
    return createChart(h.figure, spec, times, marks, h.window);
  }
  h.spec = spec;
  h.times = times;
  h.marks = marks;
  h.plot.setData(chartData(spec, times));
  (h.figure.querySelector('.plot') as HTMLElement).setAttribute('aria-label', chartSummary(spec, h.window));
  const table = h.figure.querySelector('.chart-table') as HTMLElement;
  if (!table.hidden) table.innerHTML = chartTable(spec, times, marks);
  return h;
}

/** Bars of each endpoint's share of new connections, each against the even share (1/n). */
export function shareBars(rows: { label: string; count: number }[], caption: string): string {
  const total = rows.reduce((s, r) => s + r.count, 0);
  if (rows.length === 0) return '';
  const even = 1 / rows.length;
  const out = [`<figure class="share"><figcaption>${esc(caption)} <small>(the tick is the even share, ${(even * 100).toFixed(1)}%)</small></figcaption>`];
  for (const r of rows) {
    const share = total > 0 ? r.count / total : 0;
    // More than half as much again as the even share, or under half of it: worth a look.
    const off = total >= 20 && (share > even * 1.5 || share < even * 0.5);
    out.push(`<div class="share-row${off ? ' off' : ''}" data-endpoint="${esc(r.label)}"><span class="who">${esc(r.label)}</span>` +
      `<span class="bar" role="img" aria-label="${esc(`${r.label}: ${(share * 100).toFixed(1)}% of ${total} new connections; even share ${(even * 100).toFixed(1)}%`)}">` +
      `<span class="fill" style="width:${(share * 100).toFixed(2)}%"></span><span class="even" style="left:${(even * 100).toFixed(2)}%"></span></span>` +
      `<span class="pct">${(share * 100).toFixed(1)}%${off ? ' ◆' : ''} <small>${r.count}</small></span></div>`);
  }
  out.push('</figure>');
  return out.join('');
}
