// Time for the health loop, injectable so the scheduler and ejection back-offs are unit-tested
// without waiting. Main thread.
import type { Clock } from '../model/clock.ts';

/** `now()` is milliseconds since the epoch. */
export type HealthClock = Clock;

export const systemClock: HealthClock = {
  now: () => Date.now(),
  // Unref'd: the health loop must never be what keeps a process alive; the server owns lifetime.
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
