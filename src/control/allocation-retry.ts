// Allocating again after losing a race: with several instances on one store, two may offer the
// same ClusterIP or NodePort at once; the store takes the first commit's claims and refuses the
// second's, naming them (allocation-claims.ts). The loser marks those taken in its own allocators
// and runs the whole apply again, which then offers others. Main thread, inside the registry's
// write queue, so nothing of this instance allocates in between.
import { ClaimConflictError } from '../store/etcd-store.ts';
import { parseClaim } from './allocation-claims.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';
import { storeFailure } from './store-failure.ts';

/** Attempts when other instances keep taking the addresses or ports offered. */
export const MAX_ALLOCATION_ATTEMPTS = 32;

/** An allocation lost to another instance: `claimed` are the claim keys it holds. */
export class RetryAllocation extends Error {
  readonly claimed: string[];
  constructor(claimed: string[]) {
    super('allocation lost to another instance');
    this.claimed = claimed;
  }
}

export interface TakenElsewhere {
  ips: ClusterIpAllocator;
  ports: NodePortAllocator;
  /** The shared store, named in the error when every attempt was lost. */
  location: string;
}

/**
 * Runs `attempt` until it does not throw RetryAllocation (its own reservations undone by then),
 * marking each lost claim taken before the next; at most MAX_ALLOCATION_ATTEMPTS times, then the
 * store's conflict as an ApiError. Any other error passes through.
 */
export async function retryLostAllocations<T>(attempt: () => Promise<T>, taken: TakenElsewhere): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof RetryAllocation)) throw err;
      for (const key of err.claimed) {
        const c = parseClaim(key);
        if (c && 'ip' in c) taken.ips.allocate(c.ip);
        else if (c) taken.ports.allocate(c.port);
      }
      if (n >= MAX_ALLOCATION_ATTEMPTS) throw storeFailure(new ClaimConflictError(taken.location, []), 'Service', '');
    }
  }
}
