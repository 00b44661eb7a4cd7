// Weighted random: a uniform weight position picks its owner, so candidate i is chosen with
// probability weight(i) / W.
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsable, RANDOM_RETRIES } from './balancer.ts';
import { random } from './random.ts';

export const weightedRandom: Balancer = {
  name: 'weighted-random',
  pick(ctx: PickContext): number {
    const total = ctx.totalWeight();
    if (total === 0) return random.pick(ctx);
    let i = 0;
    for (let k = 0; k <= RANDOM_RETRIES; k++) {
      i = ctx.atWeight(Math.floor(ctx.random() * total));
      if (ctx.usable(i)) return i;
    }
    const j = firstUsable(ctx, i + 1, true);
    return j >= 0 ? j : firstUsable(ctx, i + 1);
  },
};
