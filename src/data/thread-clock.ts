// The clock of a data-plane thread's connect deadlines and drains: performance.now() milliseconds
// (monotonic) and unref'd timers, since a pending deadline or drain alone must not keep a worker
// alive that was told to exit. Tests pass a manual clock instead (model/clock.ts).
import type { Clock } from '../model/clock.ts';

export const threadClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
