// Keeps every worker id of the pool running: starts a replacement when a worker ends without being
// asked to, when WorkerRestartPolicy says (at once, or after a back-off), and fails the pool's start
// when the policy gives up. Main thread. It knows nothing of threads or ports: `spawn` starts one
// and `died` cleans up after one (worker-pool.ts), so the restart sequence, the give-up and a drain
// that cancels pending restarts are unit-tested with a fake clock (data-worker-supervisor.test.ts).
import type { Clock } from '../model/clock.ts';
import { SyError } from '../model/sy-error.ts';
import { WorkerRestartPolicy, type WorkerRestartLimits } from './worker-restart-policy.ts';

export interface WorkerSupervisorOptions {
  clock: Clock;
  limits?: Partial<WorkerRestartLimits>;
  /** Starts a thread for worker `id`: settles with its result, or the Error that ended it (crash,
   *  exit, failed bootstrap); it must settle either way. */
  spawn(id: number): Promise<unknown>;
  /** Worker `id` ended with `err`; called first, whether or not it is replaced. */
  died(id: number, err: Error): void;
  /** Worker `id` is about to be replaced. */
  replacing(id: number): void;
  /** The policy gave up before the pool was ever ready: the start fails with `err`. */
  failed(err: SyError): void;
  log(level: 'error', message: string): void;
}

export class WorkerSupervisor {
  private readonly o: WorkerSupervisorOptions;
  private readonly policy: WorkerRestartPolicy;
  private readonly tasks: Promise<unknown>[] = [];
  private readonly timers = new Set<unknown>();
  private stopped = false;
  /** Workers replaced after ending since the start. */
  restarts = 0;

  constructor(o: WorkerSupervisorOptions) {
    this.o = o;
    this.policy = new WorkerRestartPolicy(o.clock, o.limits);
  }

  start(id: number): void {
    this.policy.started(id);
    this.tasks[id] = this.o.spawn(id).then((r) => {
      if (r instanceof Error) this.ended(id, r);
      return r;
    });
  }

  /** Every worker has been ready once: none ends the pool any more. */
  poolReady(): void { this.policy.poolReady(); }

  /** No more replacements (drain, close): pending ones are cancelled. Resolves when every current
   *  worker's task has settled; a worker that never started does not hold it up. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled(this.tasks);
  }

  private ended(id: number, err: Error): void {
    this.o.died(id, err);
    if (this.stopped) return;
    const next = this.policy.ended(id);
    if (next.action === 'give-up') {
      // No replacement: the start fails, so this is not counted as a restart.
      this.o.log('error', `data-plane worker ${id} failed to start (${err.message}); giving up after ${next.quickDeaths} attempts`);
      this.o.failed(new SyError('SY_WORKER_START_FAILED', `data-plane worker ${id} failed to start ${next.quickDeaths} times in a row; the last error: ${err.message}. ` +
        'Check that Node.js is 24 or newer and that the install is complete (npm ci); the log has every failure.', { cause: err }));
      return;
    }
    this.restarts++;
    this.o.replacing(id);
    this.o.log('error', `data-plane worker ${id} stopped ${Math.round(next.livedMs / 100) / 10} s after it started (${err.message}); starting a replacement` +
      (next.delayMs === 0 ? '' : ` in ${next.delayMs / 1000} s (quick failure ${next.quickDeaths} in a row)`));
    if (next.delayMs === 0) { this.start(id); return; }
    const timer = this.o.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) this.start(id);
    }, next.delayMs);
    this.timers.add(timer);
  }
}
