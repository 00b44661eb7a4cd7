// When the worker pool replaces a worker that ended without being asked to, and when it stops
// trying. Main thread; pure but for the clock it is given, so the back-off and the start-up
// give-up rule are unit-tested without threads (test/unit/data-worker-restart-policy.test.ts).
//
// A worker that lived long enough is replaced at once: a crash now and then must not cost its
// share of the traffic for longer than a thread start. One that keeps dying quickly (a module that
// throws while loading, a thread that cannot start) is replaced after a delay doubling with each
// quick death, so a broken install does not spin a core. Before the pool was ever ready, quick
// deaths in a row end the start instead: a process that never serves is better reported to its
// supervisor (systemd, Docker) by an exit than retried for ever. Once it has been ready, workers
// are replaced without limit.
import type { Clock } from '../model/clock.ts';

export interface WorkerRestartLimits {
  /** A worker that lived less than this died quickly. */
  quickMs: number;
  /** Delay after the first quick death; it doubles with each one in a row. */
  baseMs: number;
  maxMs: number;
  /** Quick deaths in a row of one worker, before the pool was ever ready, that end the start. */
  startAttempts: number;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; livedMs: number; quickDeaths: number }
  | { action: 'give-up'; livedMs: number; quickDeaths: number };

export class WorkerRestartPolicy {
  /** 5 attempts with these delays: about 1.5 s of waiting before a start is given up. */
  static readonly defaults: WorkerRestartLimits = { quickMs: 10_000, baseMs: 100, maxMs: 30_000, startAttempts: 5 };

  readonly limits: WorkerRestartLimits;
  private readonly clock: Pick<Clock, 'now'>;
  /** Per worker id: when its current thread was started, and its quick deaths in a row. */
  private readonly startedAt: number[] = [];
  private readonly quickDeaths: number[] = [];
  private ready = false;

  constructor(clock: Pick<Clock, 'now'>, limits: Partial<WorkerRestartLimits> = {}) {
    this.clock = clock;
    this.limits = { ...WorkerRestartPolicy.defaults, ...limits };
  }

  /** A thread was started for worker `id`. */
  started(id: number): void {
    this.startedAt[id] = this.clock.now();
  }

  /** Every worker has been ready once: from now on none ends the pool. */
  poolReady(): void {
    this.ready = true;
  }

  /** Worker `id` ended without being asked to: replace it (now or after `delayMs`) or give up. */
  ended(id: number): RestartDecision {
    const { quickMs, baseMs, maxMs, startAttempts } = this.limits;
    const livedMs = this.clock.now() - (this.startedAt[id] ?? this.clock.now());
    if (livedMs >= quickMs) {
      this.quickDeaths[id] = 0;
      return { action: 'restart', delayMs: 0, livedMs, quickDeaths: 0 };
    }
    const before = this.quickDeaths[id] ?? 0;
    const quickDeaths = before + 1;
    this.quickDeaths[id] = quickDeaths;
    if (!this.ready && quickDeaths >= startAttempts) return { action: 'give-up', livedMs, quickDeaths };
    return { action: 'restart', delayMs: Math.min(maxMs, baseMs * 2 ** before), livedMs, quickDeaths };
  }
}
