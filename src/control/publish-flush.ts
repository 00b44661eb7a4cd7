// Publishing the changes the server makes itself (readiness from the health loop, load-balancer
// status from the data plane, events): marked as they happen, committed one event-loop turn later
// in one store commit, through the registry's write queue. A failed commit keeps the marks and
// retries a second later. Main thread.
import type { Store } from '../store/store.ts';
import type { Publisher } from './publisher.ts';
import type { WriteQueue } from './write-queue.ts';

export interface PublishFlush {
  /** Publishes what is marked now (inside the write queue). */
  flush(): Promise<void>;
  /** Asks for a flush one turn of the event loop later; repeated calls coalesce. */
  schedule(): void;
  /** Resolves once a scheduled or running flush is done (not one waiting to retry). */
  flushed(): Promise<void>;
  close(): void;
}

export function createPublishFlush(o: {
  publisher: Publisher; store: Store; writes: WriteQueue; log(message: string): void;
  /** Whether commits are the leader's, fenced by its lease. */
  fenced?(): boolean;
  /** A fenced commit was refused: this instance no longer leads. */
  fencedOut?(): void;
}): PublishFlush {
  let scheduled: NodeJS.Immediate | undefined;
  let retry: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  const flush = async () => {
    const { ops, marks } = o.publisher.take();
    if (ops.length === 0) return;
    try {
      await o.store.commit(ops, { fenced: o.fenced?.() ?? false });
    } catch (err) {
      o.publisher.remark(marks);
      if ((err as { code?: string }).code === 'SY_STORE_FENCED' && o.fencedOut) {
        o.fencedOut();
        if (!closed) schedule();
        return;
      }
      o.log(`publishing server-side changes failed (retrying in 1 s): ${(err as Error).message}`);
      if (!closed) retry = setTimeout(() => { retry = undefined; schedule(); }, 1000).unref();
    }
  };
  function schedule(): void {
    if (closed || scheduled) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      if (!closed) running = o.writes.run(flush).catch(() => undefined);
    });
  }
  return {
    flush,
    schedule,
    async flushed() {
      while (scheduled !== undefined) await new Promise((r) => setImmediate(r));
      await running;
    },
    close() {
      closed = true;
      if (scheduled) clearImmediate(scheduled);
      if (retry) clearTimeout(retry);
    },
  };
}
