// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime size M ≥ 100 ×
// the endpoints (tableSize()), filled from each endpoint's own permutation of the table (offset and skip from two
// hashes of its address and port), so the same endpoints give the same table on every instance and
// every worker, and a client (hash of its address) lands on the same endpoint wherever it connects.
// When an endpoint leaves the set, only its entries change hands (plus a little churn the paper
// bounds); weights take turns in proportion (a weight-2 endpoint fills twice the entries of a
// weight-1 one); weight 0 endpoints are used only when no positive one exists.
// An unusable endpoint (not ready, ejected, already tried) is skipped by walking the client's own
// probe sequence through the table, so its clients spread deterministically and the same way on
// every instance. Pure; the table is built once per snapshot (or weight change) and kept on the
// pick context; a pick is one table read and one usability check.
import type { Balancer, PickContext } from './balancer.ts';
import { firstUsable } from './balancer.ts';

/** Entries per endpoint, at least (the table's size is the next prime). */
export const TABLE_FACTOR = 100;
/** Probe steps through the table after an unusable entry, before a linear scan. */
const PROBE_STEPS = 32;

export interface MaglevTable {
  /** Candidate index per entry. */
  entries: Int32Array;
  /** The weight epoch and candidate count it was built for. */
  epoch: number;
  count: number;
}

export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** The smallest table: the paper's and Envoy's default size, ≥ 100 entries each up to 655 endpoints. */
export const MIN_TABLE_SIZE = 65537;

/**
 * The table size for `count` endpoints: the first prime ≥ TABLE_FACTOR × count on a fixed ladder
 * starting at MIN_TABLE_SIZE (each rung about twice the last). A new size reshuffles every client,
 * so the size must not follow the count: it changes only when the count crosses a rung (first at
 * 656 endpoints), and every instance with the same count picks the same size. A smaller first
 * rung would cross at a few dozen endpoints, where adding one is common.
 */
export function tableSize(count: number): number {
  const want = TABLE_FACTOR * Math.max(1, count);
  let m = MIN_TABLE_SIZE;
  while (m < want) {
    m = m * 2 + 1;
    while (!isPrime(m)) m++;
  }
  return m;
}

/**
 * Fills the table: `offset[i]`, `skip[i]` are endpoint i's permutation parameters (skip in
 * 1..M-1), `weight[i]` its weight (≤ 0: left out, unless all are). Returns the candidate per entry.
 */
export function buildMaglevTable(offset: ArrayLike<number>, skip: ArrayLike<number>, weight: ArrayLike<number>, size: number): Int32Array {
  const n = offset.length;
  const entries = new Int32Array(size).fill(-1);
  if (n === 0) return entries;
  let maxW = 0;
  for (let i = 0; i < n; i++) maxW = Math.max(maxW, weight[i]);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = maxW > 0 ? Math.max(0, weight[i]) / maxW : 1;
  // Endpoint i's permutation is (offset + j × skip) mod size for j = 0, 1, …; `at[i]` is its next
  // position, advanced by adding skip (< size) and wrapping once, so no product can leave int32.
  const at = new Int32Array(n);
  const step = new Int32Array(n);
  for (let i = 0; i < n; i++) { at[i] = offset[i] % size; step[i] = skip[i] % size; }
  const taken = new Float64Array(n); // entries each endpoint filled
  let filled = 0;
  for (let round = 1; filled < size; round++) {
    for (let i = 0; i < n && filled < size; i++) {
      // Weighted turns: endpoint i may hold up to round × its relative weight entries by now.
      if (w[i] === 0 || taken[i] + 1 > round * w[i] + 1e-9) continue;
      let c = at[i];
      const s = step[i];
      while (entries[c] >= 0) { c += s; if (c >= size) c -= size; }
      entries[c] = i;
      c += s;
      at[i] = c >= size ? c - size : c;
      taken[i]++;
      filled++;
    }
  }
  return entries;
}

/** FNV-1a over a string's UTF-16 units with a seed, then a murmur3 finaliser. Pure. */
export function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

export function mix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const OFFSET_SEED = 0x6d61676c; // "magl"
const SKIP_SEED = 0x65762121;

/**
 * The table for the context's candidates at their current weights. Built over the candidates in
 * identity order, so instances that list the same endpoints in another order still agree.
 */
export function maglevTableFor(ctx: PickContext): MaglevTable {
  const n = ctx.count;
  const size = tableSize(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (ctx.identity(a) < ctx.identity(b) ? -1 : ctx.identity(a) > ctx.identity(b) ? 1 : a - b));
  const offset = new Float64Array(n);
  const skip = new Float64Array(n);
  const weight = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const id = ctx.identity(order[k]);
    offset[k] = hashString(id, OFFSET_SEED) % size;
    skip[k] = (hashString(id, SKIP_SEED) % (size - 1)) + 1;
    weight[k] = ctx.weight(order[k]);
  }
  const entries = buildMaglevTable(offset, skip, weight, size);
  for (let e = 0; e < size; e++) entries[e] = order[entries[e]];
  return { entries, epoch: ctx.weightEpoch(), count: n };
}

export const maglev: Balancer = {
  name: 'maglev',
  hashesClient: true,
  pick(ctx: PickContext): number {
    const n = ctx.count;
    if (n === 0) return -1;
    let t = ctx.memo as MaglevTable | undefined;
    if (t === undefined || t.epoch !== ctx.weightEpoch() || t.count !== n) {
      t = maglevTableFor(ctx);
      ctx.memo = t;
    }
    const size = t.entries.length;
    const h = ctx.clientHash();
    let pos = h % size;
    let i = t.entries[pos];
    if (ctx.usable(i)) return i;
    // The client's own walk through the table: the same on every instance for the same usable set.
    const step = (mix32(h ^ SKIP_SEED) % (size - 1)) + 1;
    for (let k = 0; k < PROBE_STEPS; k++) {
      pos = (pos + step) % size;
      i = t.entries[pos];
      if (ctx.usable(i)) return i;
    }
    const j = firstUsable(ctx, i + 1, true);
    return j >= 0 ? j : firstUsable(ctx, i + 1);
  },
};
