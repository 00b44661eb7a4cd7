// Weighted round-robin: cursor value c maps to weight position p = (c * stride) mod W, W the total
// weight; candidate i owns weight(i) positions, so over any W consecutive cursor values every
// candidate gets exactly its weight. The stride is coprime with W, which makes c → p a permutation
// that interleaves heavy candidates with light ones instead of sending them runs of connections.
// When W is so large that c * stride could lose precision (> 2^26), positions go in plain order.
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsable } from './balancer.ts';
import { roundRobin } from './round-robin.ts';

const MAX_INTERLEAVED = 1 << 26;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A step near W/φ that is coprime with W (golden-ratio stepping spreads positions evenly). */
export function weightStride(total: number): number {
  if (total <= 2 || total > MAX_INTERLEAVED) return 1;
  let s = Math.max(1, Math.round(total * 0.6180339887));
  while (gcd(s, total) !== 1) s++;
  return s;
}

let cachedTotal = -1;
let cachedStride = 1;

export const weightedRoundRobin: Balancer = {
  name: 'weighted-round-robin',
  pick(ctx: PickContext): number {
    const total = ctx.totalWeight();
    if (total === 0) return roundRobin.pick(ctx); // all weights 0: every candidate counts as 1
    if (total !== cachedTotal) { cachedTotal = total; cachedStride = weightStride(total); }
    const p = ((ctx.cursor() % total) * cachedStride) % total;
    const i = ctx.atWeight(p);
    if (ctx.usable(i)) return i;
    const j = firstUsable(ctx, i + 1, true);
    return j >= 0 ? j : firstUsable(ctx, i + 1);
  },
};
