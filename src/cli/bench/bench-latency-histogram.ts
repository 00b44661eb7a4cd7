// Latency recording for both load drivers: an HDR histogram in microseconds (1 µs to 60 s, three
// significant digits), so loopback latencies well under a millisecond keep their precision and the
// balancer-minus-direct difference is not rounded away. Runs in the CLI process.
import * as hdr from 'hdr-histogram-js';
import type { LatencyFigures } from './bench-load-result.ts';

const MAX_MICROS = 60_000_000;

export interface LatencyHistogram {
  recordMs(ms: number): void;
  count(): number;
  figures(): LatencyFigures;
  destroy(): void;
}

export function createLatencyHistogram(): LatencyHistogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_MICROS, numberOfSignificantValueDigits: 3 });
  const ms = (micros: number): number => Math.round(micros) / 1000;
  return {
    recordMs(value) {
      h.recordValue(Math.min(MAX_MICROS, Math.max(1, Math.round(value * 1000))));
    },
    count: () => h.totalCount,
    figures() {
      if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, mean: 0, max: 0 };
      return {
        p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)),
        p999: ms(h.getValueAtPercentile(99.9)), mean: ms(h.mean), max: ms(h.maxValue),
      };
    },
    destroy: () => h.destroy(),
  };
}
