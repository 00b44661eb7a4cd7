// The status page's memory: once a second the main thread reads the shared endpoint table — the
// same counters /status.json and /metrics read — and keeps, for the last five minutes, each Service
// port's series (port-series.ts), each endpoint's connections and bytes per second, each worker's
// connections and loop delay, switchyard's CPU, and marks for endpoint state changes and worker
// restarts. Nothing is kept per connection and nothing is added to the data path: the workers count
// as they always do, and the sampler only reads (one SC Atomics load per counter, through the
// table's accessors). /status.json?since=T serves what it holds (status-history-view.ts).
//
// Memory is bounded: a fixed ring of samples (300 by default), series arrays of that length per
// port and per endpoint, endpoint series for at most maxEndpointHistories endpoints (the rest keep
// their marks but no series), and marks younger than the window.
import type { HistoryMark } from '../model/status-document.ts';
import type { HistogramName } from '../shared/endpoint-table-metrics.ts';
import { endpointState, stateReason, type EndpointState } from './endpoint-marks.ts';
import { histogramQuantile } from './histogram-quantile.ts';
import { endpointAddress, type MetricsSource } from './metrics-snapshot.ts';
import { ENDPOINT_SERIES, portSeriesFor, type PortSeriesKind, type PortSeriesSource } from './port-series.ts';
import { emptySeries, SampleRing } from './sample-ring.ts';

export type SamplerSource = Pick<MetricsSource, 'table' | 'sync' | 'workers' | 'probeMessages'>;

export interface StatusSamplerOptions {
  intervalMs?: number;
  windowSeconds?: number;
  maxEndpointHistories?: number;
  /** ms since the epoch; Date.now by default. */
  clock?: () => number;
  /** This process's CPU seconds, every thread; process.cpuUsage() by default. */
  cpuSeconds?: () => number;
  /** false: no timer (tests call sample()). */
  timer?: boolean;
  log?: (level: 'warn', message: string) => void;
}

export const WORKER_SERIES = ['connections', 'active', 'loopDelayP50', 'loopDelayP99'] as const;

export interface EndpointTrack {
  endpoint: string;
  slot: number;
  /** Parallel to ENDPOINT_SERIES; null beyond the endpoint-history budget. */
  series: Float64Array[] | null;
  prev: Float64Array;
  primed: boolean;
  state: EndpointState;
  transitions: number;
  seen: number;
}

export interface PortTrack {
  service: string;
  port: string;
  index: number;
  kind: PortSeriesKind;
  /** kind.series, then kind.quantiles. */
  series: Float64Array[];
  prev: Float64Array;
  prevHist: Map<HistogramName, number[]>;
  primed: boolean;
  seen: number;
  endpoints: Map<string, EndpointTrack>;
}

export interface WorkerTrack { series: Float64Array[]; prevTotal: number; restarts: number; primed: boolean }

/** What status-history-view.ts reads. */
export interface SamplerState {
  readonly ring: SampleRing;
  readonly intervalMs: number;
  readonly windowSeconds: number;
  readonly ports: ReadonlyMap<string, PortTrack>;
  readonly workers: readonly WorkerTrack[];
  readonly cpu: Float64Array;
  readonly marks: readonly HistoryMark[];
}

export interface StatusSampler extends SamplerState {
  /** Takes one sample now (the timer calls it; tests call it with their own clock). */
  sample(): void;
  close(): void;
}

const round = (x: number, scale: number): number => Math.round(x * scale) / scale;
const increase = (now: number, before: number): number => (now >= before ? now - before : now);

export function startStatusSampler(src: SamplerSource, o: StatusSamplerOptions = {}): StatusSampler {
  const intervalMs = o.intervalMs ?? 1000;
  const windowSeconds = o.windowSeconds ?? 300;
  const capacity = Math.max(2, Math.round((windowSeconds * 1000) / intervalMs));
  const maxEndpointHistories = o.maxEndpointHistories ?? 2048;
  const clock = o.clock ?? Date.now;
  const cpuSeconds = o.cpuSeconds ?? (() => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; });
  const ring = new SampleRing(capacity);
  const ports = new Map<string, PortTrack>();
  const workers: WorkerTrack[] = [];
  const cpu = emptySeries(capacity);
  const marks: HistoryMark[] = [];
  const { table } = src;
  let endpointHistories = 0;
  let tick = 0;
  // The first sample's rates are over the time since the sampler started.
  let lastTime = clock();
  let lastCpu = cpuSeconds();
  let probes: Map<string, string | undefined> | undefined;
  let failing = false;

  /** The health loop's last message for an endpoint; read once per sample, and only on a change. A
   *  Pod's readiness probe is keyed by the Pod's IP alone (one probe speaks for all its ports). */
  const probeMessage = (endpoint: string, host: string) => {
    probes ??= src.probeMessages?.() ?? new Map();
    return probes.get(endpoint) ?? probes.get(host);
  };

  function mark(m: HistoryMark) {
    marks.push(m);
    if (marks.length > 4 * capacity) marks.shift();
  }

  function rate(s: PortSeriesSource, index: number, prev: Float64Array, i: number, primed: boolean, dt: number): number {
    const v = s.read(table, index);
    const before = prev[i];
    prev[i] = v;
    if (s.kind === 'gauge') return v;
    return primed && dt > 0 ? round(increase(v, before) / dt, 1000) : NaN;
  }

  /** A port's counters and histograms as they were when its table region was handed to it: zero
   *  (the sync resets a region before a Service port gets it). So a port's first sample already
   *  has rates and percentiles: connections in its first second, or the server's, are not lost. */
  function zeroBaseline(t: PortTrack): void {
    t.prev.fill(0);
    t.prevHist = new Map(t.kind.histograms.map((h) => [h, table.histogram(t.index, h).counts.map(() => 0)]));
  }

  function samplePort(p: ReturnType<SamplerSource['sync']['servicePorts']>[number], at: number, dt: number, now: number) {
    const key = `${p.service}|${p.port}`;
    let t = ports.get(key);
    if (!t) {
      const kind = portSeriesFor(p.port);
      t = {
        service: p.service, port: p.port, index: p.index, kind, primed: false, seen: 0, endpoints: new Map(), prevHist: new Map(),
        series: Array.from({ length: kind.series.length + kind.quantiles.length }, () => emptySeries(capacity)),
        prev: new Float64Array(kind.series.length),
      };
      ports.set(key, t);
      zeroBaseline(t);
    }
    // The table region was handed to this port anew: its counters restarted from zero.
    if (t.index !== p.index) { t.index = p.index; t.primed = false; zeroBaseline(t); }
    t.seen = tick;
    const { kind } = t;
    // Rates and percentiles from the zero baseline on; `primed` (a sample taken before) only decides
    // whether endpoints seen now are news.
    for (let i = 0; i < kind.series.length; i++) t.series[i][at] = rate(kind.series[i], t.index, t.prev, i, true, dt);
    const hists = new Map<HistogramName, number[]>();
    for (const h of kind.histograms) hists.set(h, table.histogram(t.index, h).counts);
    for (let q = 0; q < kind.quantiles.length; q++) {
      const src = kind.quantiles[q];
      const before = t.prevHist.get(src.histogram);
      const v = before ? histogramQuantile(src.q, src.bounds, hists.get(src.histogram)!, before) : NaN;
      t.series[kind.series.length + q][at] = Number.isNaN(v) ? NaN : round(v, 1e7);
    }
    t.prevHist = hists;
    for (const e of p.endpoints) sampleEndpoint(t, e.slot, endpointAddress(e), e.host, at, dt, now);
    for (const [addr, et] of t.endpoints) {
      if (et.seen === tick) continue;
      t.endpoints.delete(addr);
      if (et.series) endpointHistories--;
      mark({ time: now, kind: 'endpoint', service: t.service, port: t.port, endpoint: addr, state: 'removed', reason: stateReason('removed', undefined, 0) });
    }
    t.primed = true;
  }

  function sampleEndpoint(t: PortTrack, slot: number, addr: string, host: string, at: number, dt: number, now: number) {
    const flags = table.flags(slot);
    const state = endpointState(flags);
    const transitions = table.healthTransitions(slot);
    let et = t.endpoints.get(addr);
    if (!et) {
      const withSeries = endpointHistories < maxEndpointHistories;
      if (withSeries) endpointHistories++;
      et = {
        endpoint: addr, slot, series: withSeries ? ENDPOINT_SERIES.map(() => emptySeries(capacity)) : null,
        prev: new Float64Array(ENDPOINT_SERIES.length), primed: false, state, transitions, seen: 0,
      };
      t.endpoints.set(addr, et);
      // An endpoint present at the port's first sample was there before we looked: not a change.
      if (t.primed) mark({ time: now, kind: 'endpoint', service: t.service, port: t.port, endpoint: addr, state: 'added', reason: stateReason('added', undefined, 0) });
    } else if (et.state !== state || transitions - et.transitions >= 2) {
      const flapped = et.state === state;
      const errors = table.totalConnectFailures(slot);
      mark({
        time: now, kind: 'endpoint', service: t.service, port: t.port, endpoint: addr, state: flapped ? 'flapping' : state,
        reason: flapped ? `changed health ${transitions - et.transitions} times within one sample; now ${state}` : stateReason(state, probeMessage(addr, host), errors),
      });
    }
    if (et.slot !== slot) { et.slot = slot; et.primed = false; }
    et.state = state;
    et.transitions = transitions;
    et.seen = tick;
    for (let i = 0; i < ENDPOINT_SERIES.length; i++) {
      const v = rate(ENDPOINT_SERIES[i], slot, et.prev, i, et.primed, dt);
      if (et.series) et.series[i][at] = v;
    }
    et.primed = true;
  }

  function sampleWorkers(at: number, dt: number, now: number) {
    const n = Math.min(src.workers(), table.maxWorkers);
    workers.length = Math.min(workers.length, n);
    for (let w = 0; w < n; w++) {
      const row = table.worker(w);
      let t = workers[w];
      if (!t) workers[w] = t = { series: WORKER_SERIES.map(() => emptySeries(capacity)), prevTotal: 0, restarts: row.restarts, primed: false };
      t.series[0][at] = t.primed && dt > 0 ? round(increase(row.connectionsTotal, t.prevTotal) / dt, 1000) : NaN;
      t.series[1][at] = row.activeConnections;
      t.series[2][at] = round(row.loopDelayP50, 1e7);
      t.series[3][at] = round(row.loopDelayP99, 1e7);
      if (row.restarts > t.restarts) {
        const n = row.restarts - t.restarts;
        mark({ time: now, kind: 'worker', worker: w, state: 'restarted', reason: `worker ${w} was replaced${n > 1 ? ` ${n} times` : ''} after it crashed or exited; its open connections were lost` });
      }
      t.restarts = row.restarts;
      t.prevTotal = row.connectionsTotal;
      t.primed = true;
    }
  }

  function sample() {
    const now = clock();
    const dt = lastTime ? (now - lastTime) / 1000 : 0;
    const at = ring.advance(now);
    tick++;
    probes = undefined;
    try {
      for (const p of src.sync.servicePorts()) samplePort(p, at, dt, now);
      for (const [key, t] of ports) {
        if (t.seen === tick) continue;
        for (const et of t.endpoints.values()) if (et.series) endpointHistories--;
        ports.delete(key);
      }
      sampleWorkers(at, dt, now);
      const c = cpuSeconds();
      cpu[at] = dt > 0 ? round(Math.max(0, c - lastCpu) / dt, 1000) : NaN;
      lastCpu = c;
      const oldest = now - windowSeconds * 1000;
      while (marks.length && marks[0].time <= oldest) marks.shift();
      failing = false;
    } catch (err) {
      // A bug here must cost the charts, not the process; say so once, not every second.
      if (!failing) o.log?.('warn', `status history: sampling failed: ${(err as Error).stack ?? err}`);
      failing = true;
    }
    lastTime = now;
  }

  const timer = o.timer === false ? undefined : setInterval(sample, intervalMs);
  timer?.unref();
  return {
    ring, intervalMs, windowSeconds, ports, workers, cpu, marks,
    sample,
    close() { if (timer) clearInterval(timer); },
  };
}
