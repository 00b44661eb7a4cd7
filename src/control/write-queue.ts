// The registry's write queue: apply and delete run one at a time, in call order, so concurrent API
// calls never interleave between validation, allocation and commit. Main thread.
import { ApiError } from '../model/api-error.ts';

export interface WriteQueue {
  /** Runs `fn` after every write queued before it; refused with SY_SHUTTING_DOWN once closed. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Refuses later writes and resolves once the queued ones have settled. */
  close(): Promise<void>;
}

export function createWriteQueue(): WriteQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      // Writes queued before close() still run; later ones are refused.
      if (closed) throw new ApiError(503, 'ServiceUnavailable', 'SY_SHUTTING_DOWN', 'the control plane is shutting down; retry once the server is back');
      const run = tail.then(fn);
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await tail;
    },
  };
}
