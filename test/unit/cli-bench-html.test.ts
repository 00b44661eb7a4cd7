// The pure parts of `switchyard bench --report`: the per-second timeline, the alignment of the
// server's samples on it, what limited the run in words, and the --report flag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alignSeries, benchPageData, limitSentence } from '../../src/cli/bench/bench-html.ts';
import { LATENCY_BUCKETS_MS, startTimeline } from '../../src/cli/bench/bench-timeline.ts';
import { parseBenchOptions } from '../../src/cli/bench/bench-options.ts';
import type { BenchReport } from '../../src/cli/bench/bench-report.ts';
import type { StatusHistory } from '../../src/model/status-document.ts';

test('the timeline: answers per second, latency percentiles and a log-spaced histogram', () => {
  let now = 10_000;
  let cpu = 0;
  const rec = startTimeline(() => now, () => cpu);
  for (const ms of [0.2, 0.2, 0.2, 5]) rec.recordMs(ms);
  rec.error();
  now += 500;
  cpu += 250_000;
  const t = rec.finish();
  assert.equal([t.startedAt, t.times], [10_000, [10_500]]);
  assert.equal([t.requests, t.errors, t.generatorCores], [[8], [2], [0.5]], 'per second over half a second');
  assert.ok(Math.abs(t.p50[0]! - 0.2) < 0.01 && Math.abs(t.p99[0]! - 5) < 0.1, `${t.p50} ${t.p99}`);
  assert.is(t.histogram.reduce((a, b) => a + b, 0), 4);
  const b02 = LATENCY_BUCKETS_MS.findIndex((x) => x >= 0.2);
  assert.is(t.histogram[b02], 3);
  assert.is(LATENCY_BUCKETS_MS[0], 0.01);
  assert.ok(LATENCY_BUCKETS_MS.at(-1)! >= 60_000);
  assert.equal(startTimeline(() => now, () => cpu).finish().times, [], 'an empty last second is dropped');
  const short = startTimeline(() => now, () => cpu);
  short.recordMs(1);
  now += 200;
  assert.equal(short.finish().times, [], 'so is one shorter than half a second');
});

test('server samples are aligned on the run and cut to it', () => {
  assert.equal(alignSeries([1000, 2000, 3000], [900, 2600, 5000], [1, 2, 3], 500), [1, null, 2]);
  const history = {
    intervalSeconds: 1, windowSeconds: 300, times: [0, 1000, 2000, 3000, 9000], process: { cpuCores: [0.1, 0.2, 0.3, 0.4, 0.5] }, workers: [], marks: [],
    ports: [{ service: 'default/web', port: 'http/TCP', endpoints: [], series: { connectP50: [1, 2, 3, 4, 5], connectP99: [6, 7, 8, 9, 10] } }],
  } as StatusHistory;
  const report = { service: 'default/web', spread: null } as unknown as BenchReport;
  const timeline = { startedAt: 900, times: [2000, 3000], requests: [1, 1], errors: [0, 0], p50: [1, 1], p99: [1, 1], generatorCores: [0, 0], histogram: [] };
  const d = benchPageData(report, timeline, history, 'http/TCP');
  assert.equal(d.switchyardCores, [0.3, 0.4]);
  assert.equal(d.server, { times: [1000, 2000, 3000], connectP50: [2, 3, 4], connectP99: [7, 8, 9] });
  assert.is(benchPageData(report, timeline, null, 'http/TCP').server, null);
  // A server whose timer fired late: the sample covering the run's end (3700) still belongs to it.
  const late = { ...history, times: [0, 1000, 2400, 3700, 9000] } as StatusHistory;
  assert.equal(benchPageData(report, timeline, late, 'http/TCP').server, { times: [1000, 2400, 3700], connectP50: [2, 3, 4], connectP99: [7, 8, 9] });
});

test('what limited the run, and the --report flag', () => {
  const cpu = { switchyardCores: 0.9, workers: 1, switchyardUsPerRequest: 10, generatorCores: 0.2, machineCores: 2, machineBusy: 0.5, limit: 'switchyard', unpacedConnections: 10 };
  assert.match(limitSentence({ cpu } as unknown as BenchReport), /^switchyard was saturated \(1 worker busy\)/);
  assert.match(limitSentence({ cpu: { ...cpu, limit: null } } as unknown as BenchReport), /^Nothing was clearly saturated/);
  assert.is(parseBenchOptions({ report: 'out.html' }, ['web'], 'default').report, 'out.html');
  assert.is(parseBenchOptions({}, ['web'], 'default').report, undefined);
  assert.throws(() => parseBenchOptions({ report: '' }, ['web'], 'default'), /--report/);
});

test.run();
