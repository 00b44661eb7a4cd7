// PickContext over one Service port's snapshot and the shared endpoint table. One instance per
// Service port per worker thread, reused for every pick (no allocation per pick).
// Memory ordering: per-pick reads of a slot's state, active count and weight are the table's relaxed
// (tear-free) reads; the generation recorded at install time (an SC load, after the snapshot message
// that the main thread posted after writing the slot) is compared with the slot's current one, so a
// slot the main thread retired (and maybe reused) after this snapshot was built is never picked
// through it. Cached weight prefix sums are rebuilt when the SC-loaded weight epoch changes.
// The compacted usable lists (usable-set.ts) are rebuilt when the state epoch moved: compared with a
// relaxed read per pick (the main thread bumps it after every state word it changes), re-read with
// an SC load before the rebuild so the rebuild's plain reads of the state words follow those writes.
// A list a few nanoseconds stale is harmless: every pick still checks usable() on its choice.
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { stateFlags, stateGeneration, usableFlags } from '../shared/slot-state.ts';
import type { PickContext } from './balancer.ts';
import { UsableSet } from './usable-set.ts';

const NONE: readonly number[] = [];
const OWNER_PER_CANDIDATE = 16;

export class TablePickContext implements PickContext {
  readonly count: number;
  /** [slot, generation] per candidate, interleaved so a random candidate costs one cache miss, not two. */
  private readonly entries: Int32Array;
  readonly random: () => number;
  private readonly table: EndpointTable;
  private readonly port: number;
  private fallback = false;
  private tried: readonly number[] = NONE;
  private epoch = -1;
  private total = 0;
  private readonly prefix: Float64Array;
  private owner: Int32Array | undefined;
  private readonly readySet: UsableSet;
  private fallbackSet: UsableSet | undefined;
  /** The usable set of the current mode (begin() switches it), read by every usable* call. */
  private set: UsableSet;
  private readonly identities: readonly string[];
  private client = 0;
  memo: unknown = undefined;

  constructor(table: EndpointTable, port: number, slots: readonly number[], random: () => number, identities: readonly string[] = []) {
    this.identities = identities;
    this.table = table;
    this.port = port;
    this.count = slots.length;
    this.entries = new Int32Array(slots.length * 2);
    slots.forEach((s, i) => {
      this.entries[2 * i] = s;
      // Read once at install: the main thread wrote the generation before posting the snapshot.
      this.entries[2 * i + 1] = table.generation(s);
    });
    this.random = random;
    this.prefix = new Float64Array(slots.length + 1);
    this.readySet = this.set = new UsableSet(slots.length);
  }

  /** Set the rules for the next pick: `fallback` = serving-and-terminating instead of ready. */
  begin(tried: readonly number[], fallback: boolean): void {
    // A first attempt's `tried` is a fresh, empty young-generation array; storing it in this
    // long-lived context would take V8's generational write barrier on every pick (~4 ns, measured
    // in bench/pick-cost.ts) and keep the array alive until the next pick. Only retries store theirs.
    this.tried = tried.length === 0 ? NONE : tried;
    if (fallback !== this.fallback) {
      this.fallback = fallback;
      this.set = fallback ? (this.fallbackSet ??= new UsableSet(this.count)) : this.readySet;
    }
  }

  /** The hash clientHash() returns for the next pick (a hashing balancer's key). */
  setClientHash(hash: number): void { this.client = hash; }
  clientHash(): number { return this.client; }
  identity(i: number): string { return this.identities[i] ?? String(this.entries[2 * i]); }
  weightEpoch(): number { return this.table.weightEpoch(); }

  slotAt(i: number): number { return this.entries[2 * i]; }
  generationAt(i: number): number { return this.entries[2 * i + 1]; }

  usable(i: number): boolean {
    return this.usableInMode(i) && (this.tried.length === 0 || !this.tried.includes(this.entries[2 * i]));
  }

  /** usable() without the connection's tried endpoints: what the usable lists hold. */
  private usableInMode(i: number): boolean {
    const state = this.table.slotState(this.entries[2 * i]);
    if (stateGeneration(state) !== this.entries[2 * i + 1]) return false;
    return usableFlags(stateFlags(state), this.fallback);
  }

  usableCount(): number {
    const set = this.set;
    if (this.table.stateEpoch() !== set.stateEpoch) {
      set.rebuild(this.count, this.table.stateEpochOrdered(), this.usableInModeFn);
    }
    return set.count;
  }

  usableAt(k: number): number { return this.set.list[k]; }

  usableWeight(): number {
    this.usableCount();
    const set = this.set;
    const epoch = this.table.weightEpoch();
    if (epoch !== set.weightEpoch || set.weightStateEpoch !== set.stateEpoch) set.rebuildWeights(epoch, this.weightFn);
    return set.total;
  }

  usableAtWeight(p: number): number { return this.set.atWeight(p); }

  // Bound once: rebuilds pass them on without allocating a closure each time.
  private readonly usableInModeFn = (i: number): boolean => this.usableInMode(i);
  private readonly weightFn = (i: number): number => this.weight(i);

  active(i: number): number { return this.table.active(this.entries[2 * i]); }
  weight(i: number): number { return this.table.weight(this.entries[2 * i]); }
  cursor(): number { return this.table.nextCursor(this.port); }

  totalWeight(): number {
    const epoch = this.table.weightEpoch();
    if (epoch !== this.epoch) this.rebuild(epoch);
    return this.total;
  }

  atWeight(p: number): number {
    if (this.owner) return this.owner[p];
    // Largest i with prefix[i] <= p: zero-weight candidates own empty ranges and are skipped.
    let lo = 0, hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.prefix[mid] <= p) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  private rebuild(epoch: number): void {
    let sum = 0;
    for (let i = 0; i < this.count; i++) {
      this.prefix[i] = sum;
      sum += Math.max(0, this.weight(i));
    }
    this.prefix[this.count] = sum;
    this.total = sum;
    // O(1) lookup when the weights are small relative to the endpoint count (the usual case): one
    // owner entry per weight position, bounded at OWNER_PER_CANDIDATE entries per candidate so its
    // memory stays proportional to the snapshot. Otherwise binary search over the prefix sums.
    this.owner = undefined;
    if (sum > 0 && sum <= OWNER_PER_CANDIDATE * this.count) {
      const owner = new Int32Array(sum);
      for (let i = 0; i < this.count; i++) owner.fill(i, this.prefix[i], this.prefix[i + 1]);
      this.owner = owner;
    }
    this.epoch = epoch;
  }
}
