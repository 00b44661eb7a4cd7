// Uniform random choice (what kube-proxy's iptables mode does), from the injected random().
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsable, RANDOM_RETRIES } from './balancer.ts';

export const random: Balancer = {
  name: 'random',
  pick(ctx: PickContext): number {
    const n = ctx.count;
    if (n === 0) return -1;
    let i = 0;
    for (let k = 0; k <= RANDOM_RETRIES; k++) {
      i = Math.floor(ctx.random() * n);
      if (ctx.usable(i)) return i;
    }
    return firstUsable(ctx, i + 1);
  },
};
