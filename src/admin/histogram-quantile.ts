// The q-quantile of the observations between two readings of a fixed-bucket histogram, the way
// Prometheus' histogram_quantile() estimates it: find the bucket holding the q·n-th observation and
// interpolate linearly inside it (the first bucket starts at 0; the +Inf bucket answers its lower
// bound, the largest finite one). Pure; the status sampler calls it on the main thread once a second
// per Service port.

/**
 * `bounds`: the buckets' upper bounds without +Inf; `now`, `before`: non-cumulative counts per bucket
 * (bounds.length + 1 of them, +Inf last) at two moments. NaN when nothing was observed in between.
 * A count that went down (the port's counters were reset for a new occupant) counts from zero.
 */
export function histogramQuantile(q: number, bounds: readonly number[], now: ArrayLike<number>, before: ArrayLike<number>): number {
  let total = 0;
  for (let b = 0; b <= bounds.length; b++) total += delta(now[b], before[b]);
  if (total === 0) return NaN;
  const rank = q * total;
  let seen = 0;
  for (let b = 0; b <= bounds.length; b++) {
    const n = delta(now[b], before[b]);
    if (n === 0 || seen + n < rank) { seen += n; continue; }
    if (b === bounds.length) return bounds[bounds.length - 1];
    const lower = b === 0 ? 0 : bounds[b - 1];
    return lower + (bounds[b] - lower) * ((rank - seen) / n);
  }
  return bounds[bounds.length - 1];
}

function delta(now: number, before: number): number {
  return now >= before ? now - before : now;
}
