// Round-robin over the shared per-Service-port cursor and the compacted list of usable candidates:
// every worker takes the next cursor value with one Atomics.add and maps it onto the same list, so
// the rotation is exact across all workers together, and an endpoint that cannot take connections
// (not ready, ejected, draining, admin-down) is simply not in the rotation: its share spreads evenly
// over the others instead of falling to its neighbour. A turn that lands on an endpoint this
// connection already tried takes the rotation's next turn (a retry lands where the next connection
// would have, not on the neighbour of the failed endpoint).
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsableMember, ROTATION_RETRIES } from './balancer.ts';

export const roundRobin: Balancer = {
  name: 'round-robin',
  pick(ctx: PickContext): number {
    const m = ctx.usableCount();
    if (m === 0) return -1;
    let c = 0;
    for (let k = 0; k <= ROTATION_RETRIES; k++) {
      c = ctx.cursor();
      const i = ctx.usableAt(c % m);
      if (ctx.usable(i)) return i;
    }
    return firstUsableMember(ctx, c);
  },
};
