// The bench report (aligned text and JSON), the latency the balancer added, and the progress
// display on a terminal and in a log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alignTable, benchReportJson, formatBenchReport, humanRate, latencyAdded, type BenchReport } from '../../src/cli/bench/bench-report.ts';
import { createProgress, progressLine } from '../../src/cli/bench/bench-progress.ts';
import type { LoadResult } from '../../src/cli/bench/bench-load-result.ts';

const load = (rps: number, p50: number, p99: number, extra: Partial<LoadResult> = {}): LoadResult => ({
  seconds: 2, requests: rps * 2, requestsPerSecond: rps, latency: { p50, p90: p50 * 2, p99, p999: p99 * 2, mean: p50, max: p99 * 3 },
  errors: 0, non2xx: 0, bytesPerSecond: rps * 120, connectionsOpened: 6, ...extra,
});

const REPORT: BenchReport = {
  service: 'default/web', port: { name: 'http', port: 80 }, target: { host: '127.96.0.5', port: 80, via: 'ClusterIP' }, mode: 'http',
  settings: { connections: 6, durationSeconds: 2, rate: null, path: '/', closeEachRequest: false },
  balancer: load(12345.6, 0.412, 1.25, { errors: 2, non2xx: 1 }),
  cpu: {
    switchyardCores: 0.61, workers: 2, switchyardUsPerRequest: 49.4, generatorCores: 0.97, machineCores: 4, machineBusy: 0.62,
    limit: 'load generator', unpacedConnections: 6,
  },
  spread: {
    endpoints: [
      { endpoint: '10.0.0.1:8080', pod: 'web-1', connections: 2, share: 2 / 6 },
      { endpoint: '10.0.0.2:8080', pod: 'web-2', connections: 3, share: 3 / 6 },
      { endpoint: '10.0.0.3:8080', connections: 1, share: 1 / 6 },
    ],
    total: 6, fairness: 36 / (3 * 14), bestFairness: 1,
  },
  direct: { endpoint: '10.0.0.1:8080', result: load(20000, 0.25, 0.8) },
  latencyAdded: { p50Ms: 0.162, p99Ms: 0.45, p50Ratio: 1.648, p99Ratio: 1.563 },
};

test('formatBenchReport: the full report, aligned', () => {
  assert.fixture(formatBenchReport(REPORT), `Service:  default/web port http (80), via ClusterIP 127.96.0.5:80
Load:     http GET /, 6 connections, 2 s, unlimited rate

                         requests/s  p50 ms  p90 ms  p99 ms  p99.9 ms  errors  non-2xx  bytes/s  connections
through switchyard           12.35k   0.412   0.824   1.250     2.500       2        1  1.48 MB            6
direct to 10.0.0.1:8080      20.00k   0.250   0.500   0.800     1.600       0        0  2.40 MB            6

CPU:      switchyard 0.61 cores (2 workers), 49 µs per request; load generator (this process) 0.97 cores; this machine 62% busy (4 cores)
Limit:    the load generator was saturated (one thread): requests/s is its ceiling, not switchyard's; run several \`switchyard bench\` at once, or a faster client

Latency added: p50 +0.162 ms (1.65x), p99 +0.450 ms (1.56x)

Spread across 3 endpoints (from /metrics), Jain's fairness index 0.857:
  ENDPOINT       POD     CONNECTIONS  SHARE
  10.0.0.1:8080  web-1             2  33.3%
  10.0.0.2:8080  web-2             3  50.0%
  10.0.0.3:8080  <none>            1  16.7%
  TOTAL                            6
`);
});

test('formatBenchReport: tcp mode without direct run or metrics says why the spread is unknown', () => {
  const r: BenchReport = {
    ...REPORT, mode: 'tcp', port: { port: 7 }, target: { host: '127.0.0.1', port: 30007, via: 'NodePort' },
    settings: { connections: 2, durationSeconds: 1, rate: 50, path: null, closeEachRequest: true },
    spread: null, spreadNote: 'this server has no /metrics endpoint', direct: null, latencyAdded: null,
  };
  const text = formatBenchReport(r);
  assert.match(text, /^Service: {2}default\/web port 7, via NodePort 127\.0\.0\.1:30007\n/);
  assert.match(text, /\nLoad: {5}tcp new connection per request, 2 connections, 1 s, 50 requests\/s\n/);
  assert.not.match(text, /direct to|Latency added/);
  assert.match(text, /\nSpread: unknown — this server has no \/metrics endpoint\n$/);
  const none = formatBenchReport({ ...REPORT, spread: { endpoints: [{ endpoint: 'a:1', connections: 0, share: 0 }], total: 0, fairness: null, bestFairness: null } });
  assert.match(none, /Jain's fairness index n\/a \(no connections counted\)/);
  const uneven = formatBenchReport({ ...REPORT, spread: { endpoints: [], total: 4, fairness: 0.8, bestFairness: 16 / 18 } });
  assert.match(uneven, /Jain's fairness index 0\.800 \(4 over 0 can reach at best 0\.889\):/);
});

test('benchReportJson round-trips the report', () => {
  assert.equal(JSON.parse(benchReportJson(REPORT)), JSON.parse(JSON.stringify(REPORT)));
});

test('latencyAdded: balancer minus direct and the ratio; no ratio over a zero', () => {
  assert.equal(latencyAdded(load(1, 0.5, 2), load(1, 0.25, 0.5)), { p50Ms: 0.25, p99Ms: 1.5, p50Ratio: 2, p99Ratio: 4 });
  assert.equal(latencyAdded(load(1, 0.2, 0.4), load(1, 0.3, 0)), { p50Ms: -0.1, p99Ms: 0.4, p50Ratio: 0.667, p99Ratio: null });
});

test('humanRate and alignTable', () => {
  assert.equal([5, 123.4, 9999, 12345, 2_500_000, 3.2e9].map((x) => humanRate(x)), ['5.0', '123', '9999', '12.35k', '2.50M', '3.20G']);
  assert.is(humanRate(1_234_567, 'B'), '1.23 MB');
  assert.is(humanRate(512, 'B'), '512 B');
  assert.equal(alignTable([['a', 'bb', '1'], ['ccc', 'd', '22']], 2), ['a    bb   1', 'ccc  d   22']);
});

test('progress: redrawn in place on a terminal, one line per second in a log', () => {
  assert.is(progressLine('balancer', 1, 4, 12345), 'balancer  [######------------------]  1.0/4 s  12,345 requests');
  assert.is(progressLine('direct', 9, 4, 0), 'direct    [########################]  4.0/4 s  0 requests');
  let tty = '';
  const p = createProgress({ write: (s) => { tty += s; }, isTTY: true, label: 'balancer', durationSeconds: 2 });
  p.update(0.5, 10);
  p.update(1, 20);
  p.done(2, 40);
  assert.is(tty.split('\r').length, 4);
  assert.ok(tty.endsWith('40 requests\x1b[K\n'));
  assert.is(tty.split('\n').length, 2);
  let log = '';
  const q = createProgress({ write: (s) => { log += s; }, isTTY: false, label: 'direct', durationSeconds: 3 });
  for (const t of [0.25, 0.5, 1.0, 1.25, 2.0, 2.5, 3.0]) q.update(t, Math.round(t * 10));
  q.done(3, 30);
  assert.not.match(log, /\r|\x1b/);
  assert.equal(log.trimEnd().split('\n').map((l) => l.replace(/\s+/g, ' ')), [
    'direct [########----------------] 1.0/3 s 10 requests',
    'direct [################--------] 2.0/3 s 20 requests',
    'direct [########################] 3.0/3 s 30 requests',
  ]);
});

test.run();
