// Response times in microseconds (HdrHistogram, 3 significant digits) — autocannon's own
// histogram keeps whole milliseconds, too coarse for loopback where a request takes ~100 µs.
import * as hdr from 'hdr-histogram-js';

export interface LatencyUs { p50: number; p99: number; p999: number; count: number }

export interface LatencyHistogram {
  recordMs(ms: number): void;
  summary(): LatencyUs;
}

export function latencyHistogram(): LatencyHistogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  return {
    recordMs: (ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))),
    summary: () => ({
      p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9),
      count: h.totalCount,
    }),
  };
}
