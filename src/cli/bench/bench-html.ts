// `switchyard bench --report FILE.html`: one self-contained HTML file (uPlot, the page's script, its
// styles and the data all inline; nothing fetched) with what a ticket needs — requests/s and latency
// over the run, the latency histogram, the spread over endpoints against the even share, switchyard's
// and the load generator's CPU, and what limited the run. CLI process.
import type { StatusHistory } from '../../model/status-document.ts';
import type { BenchPageData, BenchTimeline } from '../../web/bench-page-data.ts';
import { CHART_CSS } from '../../web/chart-styles.ts';
import { pageScript, uplotAssets } from '../../web/page-assets.ts';
import { esc } from '../../web/status-markup.ts';
import { formatBenchCpu } from './bench-cpu.ts';
import { humanRate, type BenchReport } from './bench-report.ts';
import { LATENCY_BUCKETS_MS } from './bench-timeline.ts';

const CSS = `
.figures { display: flex; flex-wrap: wrap; gap: .4rem 2rem; margin: .8rem 0; }
.figures div { display: flex; flex-direction: column; }
.figures b { font-size: 1.5rem; font-variant-numeric: tabular-nums; }
.figures span { color: var(--dim); font-size: .85rem; }
.limit { padding: .5rem .8rem; border-left: 4px solid var(--accent); background: var(--panel); }
.columns { display: flex; align-items: flex-end; gap: 2px; height: 10rem; border-bottom: 1px solid var(--line); }
.columns .col { flex: 1; height: 100%; display: flex; flex-direction: column; justify-content: flex-end; align-items: center; min-width: 0; }
.columns .col span { width: 100%; background: var(--fill); min-height: 1px; }
.columns .col small { font-size: .6rem; color: var(--dim); height: 1.2rem; overflow: hidden; }
pre { font-size: .8rem; overflow: auto; background: var(--panel); padding: .6rem; }
`;

/** The value at each of `times` from the series sampled at `at` (the nearest sample within `slackMs`). */
export function alignSeries(times: readonly number[], at: readonly number[], values: readonly (number | null)[], slackMs: number): (number | null)[] {
  return times.map((t) => {
    let best = -1;
    for (let i = 0; i < at.length; i++) if (Math.abs(at[i] - t) <= slackMs && (best < 0 || Math.abs(at[i] - t) < Math.abs(at[best] - t))) best = i;
    return best < 0 ? null : values[best];
  });
}

/** The server's samples that cover the run: from the load's start (a sample covers the second
 *  before it, and the run's own first tick can come late while the load driver starts up) through
 *  the first sample at or after the run's last tick (the one covering its end, however late the
 *  server's timer fired on a starved main thread). */
function runWindow(timeline: BenchTimeline, times: readonly number[], p50: readonly (number | null)[], p99: readonly (number | null)[]): NonNullable<BenchPageData['server']> {
  const lastTick = timeline.times[timeline.times.length - 1] ?? timeline.startedAt;
  const end = times.find((t) => t >= lastTick) ?? Infinity;
  const keep = times.map((t, i) => (t >= timeline.startedAt && t <= end ? i : -1)).filter((i) => i >= 0);
  return { times: keep.map((i) => times[i]), connectP50: keep.map((i) => p50[i] ?? null), connectP99: keep.map((i) => p99[i] ?? null) };
}

/** The page's data: the run's timeline, and what the server sampled over it (when it keeps history). */
export function benchPageData(report: BenchReport, timeline: BenchTimeline, history: StatusHistory | null, portLabel: string): BenchPageData {
  const port = history?.ports.find((p) => p.service === report.service && p.port === portLabel);
  return {
    timeline, latencyBucketsMs: [...LATENCY_BUCKETS_MS],
    switchyardCores: history ? alignSeries(timeline.times, history.times, history.process.cpuCores ?? [], 750) : timeline.times.map(() => null),
    server: history && port ? runWindow(timeline, history.times, port.series.connectP50 ?? [], port.series.connectP99 ?? []) : null,
    spread: report.spread ? { total: report.spread.total, endpoints: report.spread.endpoints.map(({ endpoint, pod, connections }) => ({ endpoint, pod, connections })) } : null,
  };
}

/** What limited the run, in one sentence a reader of the ticket understands. */
export function limitSentence(report: BenchReport): string {
  const line = formatBenchCpu(report.cpu).find((l) => l.startsWith('Limit:'));
  if (line) return line.replace(/^Limit:\s+/, '');
  return 'Nothing was clearly saturated: neither switchyard, nor the load generator, nor the machine; the rate asked for (or the backends) set the pace.';
}

export async function renderBenchHtml(report: BenchReport, text: string, data: BenchPageData, when: Date): Promise<string> {
  const { js, css } = uplotAssets();
  const script = await pageScript(['markup', 'charts', 'report'], 'startBenchReport');
  const r = report.balancer;
  const s = report.settings;
  const portText = report.port.name ? `${report.port.name} (${report.port.port})` : String(report.port.port);
  const what = report.mode === 'http' ? `HTTP GET ${s.path}` : `TCP ${s.closeEachRequest ? 'new connection per request' : 'keep-alive'}`;
  const fairness = report.spread?.fairness;
  const figure = (value: string, label: string) => `<div><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  const json = JSON.stringify(data).replace(/<\//g, '<\\/');
  // Inline scripts must not contain "</script": uPlot's build and ours never do, and JSON is escaped.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>switchyard bench — ${esc(report.service)} ${esc(portText)}</title>
<style>${css}</style>
<style>${CHART_CSS}${CSS}</style>
</head>
<body>
<h1>switchyard bench — ${esc(report.service)} port ${esc(portText)}</h1>
<p class="meta">${esc(when.toISOString())} · via ${esc(report.target.via)} ${esc(`${report.target.host}:${report.target.port}`)} · ${esc(what)}, ${s.connections} connections,
${s.durationSeconds} s, ${s.rate === null ? 'unlimited rate' : `${s.rate} requests/s`}</p>
<div class="figures">
${figure(humanRate(r.requestsPerSecond), 'requests/s')}${figure(`${r.latency.p50.toFixed(3)} ms`, 'p50 latency')}${figure(`${r.latency.p99.toFixed(3)} ms`, 'p99 latency')}
${figure(String(r.errors), 'errors')}${report.latencyAdded ? figure(`${report.latencyAdded.p50Ms >= 0 ? '+' : ''}${report.latencyAdded.p50Ms.toFixed(3)} ms`, 'p50 added vs direct') : ''}
${figure(fairness === null || fairness === undefined ? 'n/a' : fairness.toFixed(3), "Jain's fairness (1 = even)")}
</div>
<p class="limit" id="limit"><b>What limited the run:</b> ${esc(limitSentence(report))}</p>
<h2>Over the run</h2>
<div class="chart-grid" id="charts"></div>
<h2>Latency histogram</h2>
<div id="histogram"></div>
<h2>Spread over endpoints</h2>
<div id="spread">${report.spread ? '' : `<p class="dim">Unknown: ${esc(report.spreadNote ?? 'the server gave no metrics')}</p>`}</div>
<h2>CPU</h2>
<p>${formatBenchCpu(report.cpu).map((l) => esc(l.replace(/^\w+:\s+/, ''))).join('<br>')}</p>
<details><summary>The text report</summary><pre>${esc(text)}</pre></details>
<script type="application/json" id="report-data">${json}</script>
<script>${js}</script>
<script>${script}</script>
</body>
</html>
`;
}
