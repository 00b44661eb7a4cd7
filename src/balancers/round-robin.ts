// Round-robin over the shared per-Service-port cursor: because every worker takes the next cursor
// value with one Atomics.add, the sequence is exactly round-robin across all workers together.
// An unusable candidate's turn goes to the next usable one after it.
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsable } from './balancer.ts';

export const roundRobin: Balancer = {
  name: 'round-robin',
  pick(ctx: PickContext): number {
    const n = ctx.count;
    if (n === 0) return -1;
    const i = ctx.cursor() % n;
    return ctx.usable(i) ? i : firstUsable(ctx, i + 1);
  },
};
