// `switchyard bench`'s CPU figures: switchyard's cores from two /metrics scrapes, the load
// generator's and the machine's from snapshots, and which of them limited requests/s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benchCpu, cpuSnapshot, formatBenchCpu, PROCESS_CPU_METRIC, type CpuSnapshot } from '../../src/cli/bench/bench-cpu.ts';
import type { PromSample } from '../../src/cli/prometheus-text.ts';

const scrape = (cpuSeconds: number, workers: number): PromSample[] => [
  { name: PROCESS_CPU_METRIC, labels: {}, value: cpuSeconds },
  ...Array.from({ length: workers }, (_, i) => ({ name: 'switchyard_worker_connections_total', labels: { worker: String(i) }, value: 10 })),
];
const snap = (processMicros: number, idleMs: number, totalMs: number, cores = 2): CpuSnapshot => ({ processMicros, idleMs, totalMs, cores });

test('cores and µs per request from the scrapes; nothing saturated in a paced load', () => {
  // 10 s, 20,000 requests; switchyard used 4 s of CPU with 2 workers, this process 3 s, the machine idled half its time.
  const c = benchCpu(scrape(100, 2), scrape(104, 2), snap(0, 0, 0), snap(3e6, 10_000, 20_000), 10, 20_000, null);
  assert.equal(c, {
    switchyardCores: 0.4, workers: 2, switchyardUsPerRequest: 200, generatorCores: 0.3, machineCores: 2, machineBusy: 0.5, limit: null,
    unpacedConnections: null,
  });
  assert.equal(formatBenchCpu(c), ['CPU:      switchyard 0.40 cores (2 workers), 200 µs per request; load generator (this process) 0.30 cores; this machine 50% busy (2 cores)']);
});

test('an unpaced load that saturated nothing on a mostly idle machine was bounded by the round trip', () => {
  const c = benchCpu(scrape(100, 2), scrape(104, 2), snap(0, 0, 0), snap(3e6, 10_000, 20_000), 10, 20_000, 16);
  assert.is(c.limit, 'round trip');
  // 75 % busy: neither saturated nor idle, so no single limit is named.
  assert.is(benchCpu(scrape(100, 2), scrape(104, 2), snap(0, 0, 0), snap(3e6, 5_000, 20_000), 10, 20_000, 16).limit, null);
  assert.is(formatBenchCpu(c)[1], 'Limit:    nothing was saturated: each of the 16 connections waits for its answer, so requests/s is about connections ÷ latency; more --connections may raise it');
});

test('the limit: switchyard first, then the load generator, then the machine', () => {
  const busy = snap(9.5e6, 0, 20_000); // this process 0.95 cores, the machine 100 % busy
  assert.is(benchCpu(scrape(0, 1), scrape(9.2, 1), snap(0, 0, 0), busy, 10, 1, 8).limit, 'switchyard');
  assert.is(benchCpu(scrape(0, 2), scrape(9.2, 2), snap(0, 0, 0), busy, 10, 1, 8).limit, 'load generator');
  assert.is(benchCpu(scrape(0, 2), scrape(9.2, 2), snap(0, 0, 0), snap(5e6, 2_800, 20_000), 10, 1, 8).limit, 'machine');
  assert.match(formatBenchCpu(benchCpu(scrape(0, 1), scrape(9.2, 1), snap(0, 0, 0), busy, 10, 1, 8))[1], /^Limit: {4}switchyard was saturated \(1 worker busy\): requests\/s is its ceiling with 1 worker /);
  assert.match(formatBenchCpu(benchCpu(scrape(0, 2), scrape(1, 2), snap(0, 0, 0), snap(5e6, 1_000, 20_000), 10, 1, 8))[1], /^Limit: {4}this machine's 2 cores were saturated/);
});

test('a server without process CPU in /metrics: switchyard unknown, the rest still judged', () => {
  const c = benchCpu(null, null, snap(0, 0, 0), snap(9.5e6, 0, 20_000), 10, 100, 8);
  assert.is(c.switchyardCores, null);
  assert.is(c.workers, null);
  assert.is(c.switchyardUsPerRequest, null);
  assert.is(c.limit, 'load generator');
  assert.match(formatBenchCpu(c)[0], /^CPU: {6}switchyard unknown \(its \/metrics has no process_cpu_seconds_total\); load generator/);
});

test('cpuSnapshot reads this process and every core of this machine', () => {
  const a = cpuSnapshot();
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
  const b = cpuSnapshot();
  assert.ok(x > 0);
  assert.ok(a.cores >= 1 && b.cores === a.cores);
  assert.ok(b.processMicros > a.processMicros);
  assert.ok(b.totalMs >= a.totalMs && b.idleMs >= a.idleMs);
});

test.run();
