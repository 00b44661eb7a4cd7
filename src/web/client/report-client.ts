// The `switchyard bench --report` page in the browser: draws the run's charts from the data embedded
// in the file (no network at all). Browser code, embedded by its source text (see charts.ts): every
// function self-contained.
import type { BenchPageData } from '../bench-page-data.ts';
import { createChart, formatValue, shareBars, type ChartHandle, type ChartSpec } from './charts.ts';

export function reportChartSpecs(d: BenchPageData): ChartSpec[] {
  const t = d.timeline;
  const specs: ChartSpec[] = [
    { id: 'requests', title: 'Requests per second', unit: 'rate', lines: [{ key: 'requests', label: 'answered', values: t.requests }, { key: 'refusals', label: 'errors', values: t.errors }] },
    { id: 'latency', title: 'Latency per second (client)', unit: 'ms', lines: [{ key: 'p50', label: 'p50', values: t.p50 }, { key: 'p99', label: 'p99', values: t.p99 }] },
    { id: 'cpu', title: 'CPU (cores)', unit: 'cores', lines: [{ key: 'switchyard', label: 'switchyard', values: d.switchyardCores }, { key: 'generator', label: 'load generator', values: t.generatorCores }] },
  ];
  if (d.server) {
    specs.push({ id: 'connect', title: 'Connect latency to endpoints (switchyard)', unit: 'seconds', lines: [{ key: 'connectP50', label: 'p50', values: d.server.connectP50 }, { key: 'connectP99', label: 'p99', values: d.server.connectP99 }] });
  }
  return specs;
}

/** The run's latency as columns over log-spaced buckets, with the counts in each column's name. */
export function latencyColumns(bounds: number[], counts: number[]): string {
  let first = counts.findIndex((c) => c > 0);
  let last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  if (first < 0) return '<p class="dim">No answers.</p>';
  first = Math.max(0, first - 1);
  last = Math.min(counts.length - 1, last + 1);
  const max = Math.max(...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const cols: string[] = [];
  for (let i = first; i <= last; i++) {
    const lo = i === 0 ? 0 : bounds[i - 1];
    const hi = i < bounds.length ? formatValue(bounds[i], 'ms') : '∞';
    const label = `${formatValue(lo, 'ms')} – ${hi}: ${counts[i]} answers (${((counts[i] / total) * 100).toFixed(1)}%)`;
    cols.push(`<div class="col" title="${label}" aria-label="${label}" role="img"><span style="height:${((counts[i] / max) * 100).toFixed(1)}%"></span>` +
      `<small>${i < bounds.length ? formatValue(bounds[i], 'ms').replace(' ms', '') : '∞'}</small></div>`);
  }
  return `<div class="columns">${cols.join('')}</div><p class="dim">Upper bound of each bucket, ms; ${total} answers.</p>`;
}

export function startBenchReport(): void {
  const d = JSON.parse((document.getElementById('report-data') as HTMLElement).textContent ?? '{}') as BenchPageData;
  const grid = document.getElementById('charts') as HTMLElement;
  let charts: ChartHandle[] = [];
  const draw = () => {
    for (const h of charts) h.plot.destroy();
    grid.innerHTML = '';
    charts = reportChartSpecs(d).map((spec) => {
      const fig = document.createElement('figure');
      fig.className = 'chart';
      fig.dataset.chart = spec.id;
      grid.appendChild(fig);
      return createChart(fig, spec, spec.id === 'connect' && d.server ? d.server.times : d.timeline.times, [], 0);
    });
  };
  draw();
  // The colours follow the browser's scheme, also when it changes with the report open.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
  (document.getElementById('histogram') as HTMLElement).innerHTML = latencyColumns(d.latencyBucketsMs, d.timeline.histogram);
  const spread = d.spread;
  if (spread) {
    (document.getElementById('spread') as HTMLElement).innerHTML = shareBars(
      spread.endpoints.map((e) => ({ label: e.pod ? `${e.endpoint} (${e.pod})` : e.endpoint, count: e.connections })),
      `Share of the run's ${spread.total} connections per endpoint`);
  }
}
