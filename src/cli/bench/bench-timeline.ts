// What a bench run did second by second, for the HTML report: answers, errors and latency
// percentiles per second, this process's CPU per second, and the whole run's latency as a histogram
// of log-spaced buckets. The load drivers feed it beside their own latency histogram. CLI process.
import * as hdr from 'hdr-histogram-js';

/** Latency histogram buckets: upper bounds in ms, ten per decade from 10 µs to 60 s. */
export const LATENCY_BUCKETS_MS: readonly number[] = (() => {
  const out: number[] = [];
  for (let k = -20; ; k++) {
    const ms = Math.round(10 ** (k / 10) * 1e6) / 1e6;
    out.push(ms);
    if (ms >= 60_000) return out;
  }
})();

export interface BenchTimeline {
  /** ms since the epoch when the recorder started (before the load's first connection). */
  startedAt: number;
  /** ms since the epoch at the end of each second. */
  times: number[];
  /** Answers and errors per second. */
  requests: number[];
  errors: number[];
  /** Latency of that second's answers, ms; null in a second without any. */
  p50: (number | null)[];
  p99: (number | null)[];
  /** The load generator's (this process's) CPU in that second, in cores. */
  generatorCores: number[];
  /** Answers per latency bucket over the whole run (LATENCY_BUCKETS_MS, then one beyond). */
  histogram: number[];
}

export interface TimelineRecorder {
  recordMs(ms: number): void;
  error(): void;
  /** Stops the clock and returns what was recorded (the last partial second included). */
  finish(): BenchTimeline;
}

export function startTimeline(clock: () => number = Date.now, cpuMicros: () => number = () => { const c = process.cpuUsage(); return c.user + c.system; }): TimelineRecorder {
  const t: BenchTimeline = { startedAt: clock(), times: [], requests: [], errors: [], p50: [], p99: [], generatorCores: [], histogram: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0) };
  const second = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2 });
  let requests = 0;
  let errors = 0;
  let last = t.startedAt;
  let lastCpu = cpuMicros();
  function close() {
    const now = clock();
    const cpu = cpuMicros();
    const dt = (now - last) / 1000;
    t.times.push(now);
    const perSecond = (n: number) => (dt > 0 ? Math.round((n / dt) * 10) / 10 : 0);
    t.requests.push(perSecond(requests));
    t.errors.push(perSecond(errors));
    t.p50.push(second.totalCount ? second.getValueAtPercentile(50) / 1000 : null);
    t.p99.push(second.totalCount ? second.getValueAtPercentile(99) / 1000 : null);
    t.generatorCores.push(dt > 0 ? Math.round(((cpu - lastCpu) / 1e6 / dt) * 1000) / 1000 : 0);
    second.reset();
    requests = 0;
    errors = 0;
    last = now;
    lastCpu = cpu;
  }
  const timer = setInterval(close, 1000);
  return {
    recordMs(ms) {
      requests++;
      second.recordValue(Math.min(60_000_000, Math.max(1, Math.round(ms * 1000))));
      let b = 0;
      while (b < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[b]) b++;
      t.histogram[b]++;
    },
    error() { errors++; },
    finish() {
      clearInterval(timer);
      // A last part-second shorter than half a second is left out: a rate and percentiles over a few
      // milliseconds would be noise (its answers are in the run's totals and histogram all the same).
      if ((requests > 0 || errors > 0) && clock() - last >= 500) close();
      second.destroy();
      return t;
    },
  };
}
