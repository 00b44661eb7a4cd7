// Changes the health loop must act on, coalesced: the Services and Pods (`ns/name`) named since the
// last flush, or "everything", handed over once per burst on a 0 ms timer. Main thread, pure but
// for the clock it is given. The loop keeps two: change notices to recompute targets from, and
// readiness transitions to ask the registry to recompute endpoints for; a burst of either (a
// rollout, many Pods failing at once) costs one recomputation.
import type { Clock } from '../model/clock.ts';

export interface ChangeBatch {
  /** Everything, whatever else is named. */
  all: boolean;
  services: string[];
  pods: string[];
}

export class CoalescedChanges {
  private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  private readonly flush: (batch: ChangeBatch) => void;
  private readonly services = new Set<string>();
  private readonly pods = new Set<string>();
  private all = false;
  private timer: unknown = undefined;
  private closed = false;

  constructor(clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>, flush: (batch: ChangeBatch) => void) {
    this.clock = clock;
    this.flush = flush;
  }

  /** These Services and Pods changed; neither named: everything did. Empty lists still flush. */
  add(services?: Iterable<string>, pods?: Iterable<string>): void {
    if (this.closed) return;
    if (!services && !pods) this.all = true;
    for (const s of services ?? []) this.services.add(s);
    for (const p of pods ?? []) this.pods.add(p);
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      const batch: ChangeBatch = { all: this.all, services: [...this.services], pods: [...this.pods] };
      this.all = false;
      this.services.clear();
      this.pods.clear();
      this.flush(batch);
    }, 0);
  }

  /** Drops what is pending; later changes are ignored. */
  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
