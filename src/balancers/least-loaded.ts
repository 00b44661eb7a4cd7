// Shared core of least-connections and weighted-least-connections. Active counts are global (every
// worker Atomics.adds them), so "least" means least across the whole process.
//
// Trade-off: an exact minimum costs O(n) loads per pick, which at 30,000 endpoints would cost more
// than the connection itself. Up to EXACT_LIMIT candidates the scan is exact; above it we use
// power-of-two choices (Mitzenmacher; Envoy's LEAST_REQUEST default): the candidate at the shared
// cursor and one random candidate, the less loaded wins. The most loaded endpoint then stays within
// O(log log n) of the mean at constant cost, but a pick is not guaranteed to be the global minimum.
// More choices balance a little better but each costs a cache miss or two at large n; two keep a
// pick close to round-robin's cost at 30,000 endpoints (bench/pick-cost.ts). Ties go to the
// earliest examined candidate, which starts at the shared cursor, so equal loads are served
// round-robin.
import type { PickContext } from './balancer.ts';

export const EXACT_LIMIT = 8;
export const SAMPLE = 2;

// The running best is kept in locals (index, active, weight) so each examined candidate costs one
// usable() check plus its own active/weight loads, never a re-read of the best one's.
class Best {
  index = -1;
  active = 0;
  weight = 1;
  reset(): void { this.index = -1; }
  /** Consider candidate i; weight 0 candidates are eligible only when `weighted` is false. */
  offer(ctx: PickContext, i: number, weighted: boolean): void {
    if (!ctx.usable(i)) return;
    const w = weighted ? ctx.weight(i) : 1;
    if (w <= 0) return;
    const a = ctx.active(i);
    // active/weight compared without division; products stay below 2^53 (weights <= 65535).
    if (this.index < 0 || a * this.weight < this.active * w) {
      this.index = i;
      this.active = a;
      this.weight = w;
    }
  }
}

// Balancers run on one thread at a time per isolate, so one scratch object per module is safe.
const best = new Best();

function exact(ctx: PickContext, start: number, weighted: boolean): number {
  const n = ctx.count;
  best.reset();
  for (let k = 0, i = start; k < n; k++, i = i + 1 === n ? 0 : i + 1) best.offer(ctx, i, weighted);
  return best.index;
}

export function leastLoaded(ctx: PickContext, weighted: boolean): number {
  const n = ctx.count;
  if (n === 0) return -1;
  const start = ctx.cursor() % n;
  let found = -1;
  if (n <= EXACT_LIMIT) {
    found = exact(ctx, start, weighted);
  } else {
    best.reset();
    best.offer(ctx, start, weighted);
    for (let k = 1; k < SAMPLE; k++) best.offer(ctx, Math.floor(ctx.random() * n), weighted);
    found = best.index;
    // Nothing eligible in the sample: rare (most endpoints down), so an exact scan is affordable.
    if (found < 0) found = exact(ctx, start, weighted);
  }
  // Weighted and no positive-weight candidate usable: weight-0 (backup) ones, each counting as 1.
  if (found < 0 && weighted) found = exact(ctx, start, false);
  return found;
}
