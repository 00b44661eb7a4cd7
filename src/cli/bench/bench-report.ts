// The result of `switchyard bench`: its JSON shape (-o json) and its aligned text rendering, plus
// the latency the balancer added over going straight to one endpoint. Pure; CLI process.
import { formatBenchCpu, type BenchCpu } from './bench-cpu.ts';
import type { BenchMode, LoadResult } from './bench-load-result.ts';
import type { Spread } from './bench-spread.ts';

export interface LatencyAdded {
  /** Through the balancer minus direct, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Through the balancer divided by direct (null when direct measured 0). */
  p50Ratio: number | null;
  p99Ratio: number | null;
}

export interface BenchReport {
  service: string;
  port: { name?: string; port: number };
  target: { host: string; port: number; via: 'ClusterIP' | 'NodePort' };
  mode: BenchMode;
  settings: { connections: number; durationSeconds: number; rate: number | null; path: string | null; closeEachRequest: boolean };
  balancer: LoadResult;
  /** The CPU used during the balancer run, and what limited it. */
  cpu: BenchCpu;
  /** null when the server's /metrics could not say; `spreadNote` says why. */
  spread: Spread | null;
  spreadNote?: string;
  direct: { endpoint: string; result: LoadResult } | null;
  latencyAdded: LatencyAdded | null;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function latencyAdded(balancer: LoadResult, direct: LoadResult): LatencyAdded {
  const ratio = (a: number, b: number): number | null => (b > 0 ? round3(a / b) : null);
  return {
    p50Ms: round3(balancer.latency.p50 - direct.latency.p50),
    p99Ms: round3(balancer.latency.p99 - direct.latency.p99),
    p50Ratio: ratio(balancer.latency.p50, direct.latency.p50),
    p99Ratio: ratio(balancer.latency.p99, direct.latency.p99),
  };
}

/** 12345 → "12.35k"; with a unit, 1234567 → "1.23 MB" (decimal prefixes, as throughput is quoted). */
export function humanRate(x: number, unit = ''): string {
  const [div, prefix] = x >= 1e9 ? [1e9, 'G'] : x >= 1e6 ? [1e6, 'M'] : x >= 1e4 ? [1e3, 'k'] : [1, ''];
  const num = div === 1 ? x.toFixed(x >= 100 ? 0 : 1) : (x / div).toFixed(2);
  return unit ? `${num} ${prefix}${unit}` : `${num}${prefix}`;
}

/** Columns padded to their widest cell, two spaces apart; the first `left` columns align left. */
export function alignTable(rows: string[][], left = 1): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((row) => row.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

const ms = (x: number): string => x.toFixed(3);
const signedMs = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(3)} ms`;
const times = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(2)}x`);

function loadRow(label: string, r: LoadResult): string[] {
  return [label, humanRate(r.requestsPerSecond), ms(r.latency.p50), ms(r.latency.p90), ms(r.latency.p99), ms(r.latency.p999),
    String(r.errors), String(r.non2xx), humanRate(r.bytesPerSecond, 'B'), String(r.connectionsOpened)];
}

export function formatBenchReport(r: BenchReport): string {
  const s = r.settings;
  const portText = r.port.name ? `${r.port.name} (${r.port.port})` : String(r.port.port);
  const what = r.mode === 'http' ? `http GET ${s.path}` : `tcp ${s.closeEachRequest ? 'new connection per request' : 'keep-alive'}`;
  const lines = [
    `Service:  ${r.service} port ${portText}, via ${r.target.via} ${r.target.host}:${r.target.port}`,
    `Load:     ${what}, ${s.connections} connections, ${s.durationSeconds} s, ${s.rate === null ? 'unlimited rate' : `${s.rate} requests/s`}`,
    '',
    ...alignTable([
      ['', 'requests/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'errors', 'non-2xx', 'bytes/s', 'connections'],
      loadRow('through switchyard', r.balancer),
      ...(r.direct ? [loadRow(`direct to ${r.direct.endpoint}`, r.direct.result)] : []),
    ]),
    '',
    ...formatBenchCpu(r.cpu),
    '',
  ];
  if (r.latencyAdded) {
    const a = r.latencyAdded;
    lines.push(`Latency added: p50 ${signedMs(a.p50Ms)} (${times(a.p50Ratio)}), p99 ${signedMs(a.p99Ms)} (${times(a.p99Ratio)})`, '');
  }
  if (r.spread) {
    const sp = r.spread;
    const best = sp.bestFairness !== null && sp.bestFairness < 1
      ? ` (${sp.total} over ${sp.endpoints.length} can reach at best ${sp.bestFairness.toFixed(3)})` : '';
    const fairness = sp.fairness === null ? 'n/a (no connections counted)' : `${sp.fairness.toFixed(3)}${best}`;
    lines.push(`Spread across ${sp.endpoints.length} endpoints (from /metrics), Jain's fairness index ${fairness}:`);
    lines.push(...alignTable([
      ['ENDPOINT', 'POD', 'CONNECTIONS', 'SHARE'],
      ...sp.endpoints.map((e) => [e.endpoint, e.pod ?? '<none>', String(e.connections), `${(e.share * 100).toFixed(1)}%`]),
      ['TOTAL', '', String(sp.total), ''],
    ], 2).map((l) => `  ${l}`));
  } else {
    lines.push(`Spread: unknown — ${r.spreadNote ?? 'the server gave no metrics'}`);
  }
  return lines.join('\n') + '\n';
}

export function benchReportJson(r: BenchReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
