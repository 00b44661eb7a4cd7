// Weighted round-robin: cursor value c maps to weight position p = (c * stride) mod W, W the total
// weight of the usable candidates; a usable candidate owns weight(i) positions, so over any W
// consecutive cursor values every usable candidate gets exactly its weight, and an unusable one's
// share is spread over the others in proportion to their weights. The stride is coprime with W,
// which makes c → p a permutation that interleaves heavy candidates with light ones instead of
// sending them runs of connections. When W is so large that c * stride could lose precision
// (> 2^26), positions go in plain order. A turn on a candidate this connection already tried takes
// the next turn, as in round-robin.ts.
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsableMember, ROTATION_RETRIES } from './balancer.ts';
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
    const total = ctx.usableWeight();
    // No usable candidate with a positive weight: the usable ones are backups (weight 0), or there
    // are none; rotate over them, each counting as 1.
    if (total === 0) return roundRobin.pick(ctx);
    if (total !== cachedTotal) { cachedTotal = total; cachedStride = weightStride(total); }
    let c = 0;
    for (let k = 0; k <= ROTATION_RETRIES; k++) {
      c = ctx.cursor();
      const i = ctx.usableAtWeight(((c % total) * cachedStride) % total);
      if (ctx.usable(i)) return i;
    }
    const j = firstUsableMember(ctx, c, true);
    return j >= 0 ? j : firstUsableMember(ctx, c);
  },
};
