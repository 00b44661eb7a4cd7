// The five loads, each run against one target for one round, with the proxy's own CPU (from /proc)
// read before and after and charged per request, per connection or per GB.
import { cpuSeconds } from './cpu-seconds.ts';
import { runConnectLoad } from './connect-load.ts';
import { runHttpLoad } from './http-load.ts';
import { runPacedLoad } from './paced-load.ts';
import { runThroughputLoad } from './throughput-load.ts';
import type { Target } from './target.ts';

export interface Profile {
  name: 'quick' | 'full';
  rounds: number;
  durationS: number;
  warmupS: number;
  keepAliveConnections: number;
  newConnConcurrency: number;
  bigConnections: number;
  streams: number;
  transferBytes: number;
  rate: number;
  rateConnections: number;
  /** Concurrent idle connections held through each proxy (memory per connection). */
  idleConnections: number;
  /** Services applied for the set-up and endpoint-change curves, and repetitions of the change. */
  scalingSizes: number[];
  changeReps: number;
  /** Picks per case for bench/pick-cost.ts. */
  picks: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  quick: { name: 'quick', rounds: 2, durationS: 2, warmupS: 1, keepAliveConnections: 32, newConnConcurrency: 16, bigConnections: 4, streams: 4, transferBytes: 8 << 20, rate: 2000, rateConnections: 8,
    idleConnections: 8000, scalingSizes: [10, 1000], changeReps: 3, picks: 100_000 },
  full: { name: 'full', rounds: 5, durationS: 10, warmupS: 3, keepAliveConnections: 32, newConnConcurrency: 16, bigConnections: 4, streams: 4, transferBytes: 8 << 20, rate: 2000, rateConnections: 8,
    idleConnections: 8000, scalingSizes: [10, 100, 1000], changeReps: 7, picks: 1_000_000 },
};

export interface Figure {
  key: string;
  label: string;
  /** Whether a ratio above 1 is good; shown in the legend only. */
  higherIsBetter: boolean;
  digits: number;
  /** Proxy CPU figures have no value for the direct target. */
  cpu?: boolean;
}

export interface Measurement { values: Record<string, number>; errors: number }

export interface Load {
  key: string;
  title: string;
  figures: Figure[];
  run(target: Target, p: Profile): Promise<Measurement>;
}

/** Runs `fn` and charges the CPU the target's processes used meanwhile (NaN without processes). */
export async function withCpu<T>(target: { pids(): number[] }, fn: () => Promise<T>): Promise<{ result: T; cpuS: number }> {
  const pids = target.pids();
  const before = cpuSeconds(pids);
  const result = await fn();
  return { result, cpuS: pids.length ? cpuSeconds(pids) - before : NaN };
}

const MB = 1e6;
const GB = 1e9;

export const LOADS: Load[] = [
  {
    key: 'keepalive', title: 'small HTTP requests, keep-alive',
    figures: [
      { key: 'rps', label: 'keep-alive requests/s', higherIsBetter: true, digits: 0 },
      { key: 'p50', label: 'keep-alive p50 µs', higherIsBetter: false, digits: 0 },
      { key: 'p99', label: 'keep-alive p99 µs', higherIsBetter: false, digits: 0 },
      { key: 'cpu', label: 'keep-alive proxy CPU µs/request', higherIsBetter: false, digits: 1, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runHttpLoad(t.http, '/', p.keepAliveConnections, p.durationS));
      return { errors: r.errors, values: { rps: r.requests / r.elapsedS, p50: r.latency.p50, p99: r.latency.p99, cpu: (cpuS * 1e6) / r.requests } };
    },
  },
  {
    key: 'newconn', title: 'a new connection per request',
    figures: [
      { key: 'cps', label: 'new connections/s', higherIsBetter: true, digits: 0 },
      { key: 'cpu', label: 'new-connection proxy CPU µs/connection', higherIsBetter: false, digits: 1, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runConnectLoad(t.http, p.newConnConcurrency, p.durationS));
      return { errors: r.errors, values: { cps: r.connections / r.elapsedS, cpu: (cpuS * 1e6) / r.connections } };
    },
  },
  {
    key: 'big', title: '1 MiB HTTP transfers',
    figures: [
      { key: 'mbps', label: '1 MiB transfers MB/s', higherIsBetter: true, digits: 0 },
      { key: 'cpu', label: '1 MiB transfers proxy CPU s/GB', higherIsBetter: false, digits: 2, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runHttpLoad(t.http, '/big', p.bigConnections, p.durationS));
      return { errors: r.errors, values: { mbps: r.bytes / MB / r.elapsedS, cpu: cpuS / (r.bytes / GB) } };
    },
  },
  {
    key: 'tcp', title: 'raw TCP upload to the sink',
    figures: [
      { key: 'mbps', label: 'raw TCP MB/s', higherIsBetter: true, digits: 0 },
      { key: 'cpu', label: 'raw TCP proxy CPU s/GB', higherIsBetter: false, digits: 2, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runThroughputLoad(t.sink, p.streams, p.transferBytes, p.durationS));
      return { errors: r.errors, values: { mbps: r.bytes / MB / r.elapsedS, cpu: cpuS / (r.bytes / GB) } };
    },
  },
  {
    key: 'rate', title: 'latency at a fixed moderate rate',
    figures: [
      { key: 'p50', label: 'fixed-rate p50 µs', higherIsBetter: false, digits: 0 },
      { key: 'p99', label: 'fixed-rate p99 µs', higherIsBetter: false, digits: 0 },
      { key: 'p999', label: 'fixed-rate p99.9 µs', higherIsBetter: false, digits: 0 },
      { key: 'cpu', label: 'fixed-rate proxy CPU µs/request', higherIsBetter: false, digits: 1, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runPacedLoad(t.http, p.rate, p.rateConnections, p.durationS));
      return { errors: r.errors, values: { p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p999, cpu: (cpuS * 1e6) / r.requests } };
    },
  },
];
