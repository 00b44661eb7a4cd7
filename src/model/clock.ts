// Time as code that waits sees it: a reading and one-shot timers. Injected where a test must not
// wait for real time (the health loop, connect deadlines, drains); tests pass a manual clock
// (test/helpers/fake-clock.ts). Only the type lives here: each thread's real clock is its own.

export interface Clock {
  /** Milliseconds; what they count from is the implementation's (epoch, or performance.now()). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
