// The ClientIP affinity region of the shared endpoint table: (Service port, client address) → slot
// and generation, with a last-used time. Workers look entries up and write them on every sticky
// pick (through EndpointTable, src/data/endpoint-picker.ts); the main thread expires a freed Service
// port's entries. Open addressing over a bounded probe window, one seqlock per entry.
//
// Memory ordering: every word is read and written with SC Atomics. An entry never returns to empty
// (seq 0), so a lookup may stop at the first empty entry. Writers claim an entry by CAS-ing its seq
// from even to odd, write, then store seq+2; readers retry nothing — an entry being written, or
// rewritten under them, counts as a miss. Two workers that miss at the same moment may store the
// same key twice; lookups take the first, the other expires.
import * as layout from './endpoint-table-layout.ts';

// Module-local copies, folded into optimized code (imported bindings are not; see endpoint-table.ts):
// a sticky pick does a lookup, and each lookup a dozen word accesses.
const { A_ADDR, A_GEN, A_PORT, A_SEQ, A_SLOT, A_TIMEOUT, A_USED, AFF_WORDS } = layout;

const AFF_PROBE = 8;

/** Reused result object of lookup: valid until the next lookup on the same AffinityTable instance. */
export interface AffinityHit { slot: number; generation: number; lastUsed: number }

export class AffinityTable {
  /** A power of two (endpoint-table-layout.ts rounds it up). */
  readonly capacity: number;
  private readonly i32: Int32Array;
  private readonly base: number;
  private readonly hit: AffinityHit = { slot: -1, generation: 0, lastUsed: 0 };

  /** `i32` views the whole table; entries start at word `base`. */
  constructor(i32: Int32Array, base: number, capacity: number) {
    this.i32 = i32;
    this.base = base;
    this.capacity = capacity;
  }

  lookup(port: number, addr: Int32Array, now: number, timeout: number): AffinityHit | null {
    const mask = this.capacity - 1;
    let e = hashKey(port, addr) & mask;
    for (let p = 0; p < AFF_PROBE; p++, e = (e + 1) & mask) {
      const b = this.base + e * AFF_WORDS;
      const seq = Atomics.load(this.i32, b + A_SEQ);
      if (seq === 0) return null;
      if (seq & 1 || !this.keyMatches(b, port, addr)) continue;
      const slot = Atomics.load(this.i32, b + A_SLOT);
      const gen = Atomics.load(this.i32, b + A_GEN);
      const used = Atomics.load(this.i32, b + A_USED) >>> 0;
      // SC loads: if seq is unchanged after the field loads, no writer touched them in between.
      if (Atomics.load(this.i32, b + A_SEQ) !== seq) continue;
      if (expired(now, used, timeout)) return null;
      this.hit.slot = slot;
      this.hit.generation = gen;
      this.hit.lastUsed = used;
      return this.hit;
    }
    return null;
  }

  /** Remember (or refresh) port+addr → slot at time `now` (seconds). Reclaims an expired entry in the
   *  probe window, else evicts the least recently used one. Returns false if every candidate entry
   *  was being written by another thread at that instant (affinity is then simply not recorded). */
  remember(port: number, addr: Int32Array, slot: number, generation: number, now: number, timeout: number): boolean {
    const mask = this.capacity - 1;
    const start = hashKey(port, addr) & mask;
    let free = -1, oldest = -1, oldestUsed = Infinity;
    for (let p = 0, e = start; p < AFF_PROBE; p++, e = (e + 1) & mask) {
      const b = this.base + e * AFF_WORDS;
      const seq = Atomics.load(this.i32, b + A_SEQ);
      if (seq === 0) { if (free < 0) free = e; break; }
      if (seq & 1) continue;
      if (this.keyMatches(b, port, addr)) return this.writeEntry(e, seq, port, addr, slot, generation, now, timeout);
      const used = Atomics.load(this.i32, b + A_USED) >>> 0;
      if (free < 0 && expired(now, used, Atomics.load(this.i32, b + A_TIMEOUT))) free = e;
      if (used < oldestUsed) { oldestUsed = used; oldest = e; }
    }
    const target = free >= 0 ? free : oldest;
    if (target < 0) return false;
    const seq = Atomics.load(this.i32, this.base + target * AFF_WORDS + A_SEQ);
    return (seq & 1) === 0 && this.writeEntry(target, seq, port, addr, slot, generation, now, timeout);
  }

  /** Main thread: expire every entry of a Service port region that is being freed. */
  forget(port: number): void {
    for (let e = 0; e < this.capacity; e++) {
      const b = this.base + e * AFF_WORDS;
      const seq = Atomics.load(this.i32, b + A_SEQ);
      if (seq === 0 || Atomics.load(this.i32, b + A_PORT) !== port) continue;
      // Claim like any writer; if a worker holds the entry right now it is refreshing it for a
      // connection on the old region, which the port's removal already makes unreachable.
      if ((seq & 1) === 0 && Atomics.compareExchange(this.i32, b + A_SEQ, seq, seq + 1) === seq) {
        Atomics.store(this.i32, b + A_TIMEOUT, 0);
        Atomics.store(this.i32, b + A_PORT, -1);
        Atomics.store(this.i32, b + A_SEQ, seq + 2);
      }
    }
  }

  private keyMatches(b: number, port: number, addr: Int32Array): boolean {
    return Atomics.load(this.i32, b + A_PORT) === port
      && Atomics.load(this.i32, b + A_ADDR + 3) === addr[3] && Atomics.load(this.i32, b + A_ADDR + 2) === addr[2]
      && Atomics.load(this.i32, b + A_ADDR + 1) === addr[1] && Atomics.load(this.i32, b + A_ADDR) === addr[0];
  }

  private writeEntry(e: number, seq: number, port: number, addr: Int32Array, slot: number, gen: number, now: number, timeout: number): boolean {
    const b = this.base + e * AFF_WORDS;
    // CAS even→odd claims the entry; losing means another thread is writing it: give up, no spin.
    if (Atomics.compareExchange(this.i32, b + A_SEQ, seq, (seq + 1) | 0) !== seq) return false;
    Atomics.store(this.i32, b + A_PORT, port);
    for (let w = 0; w < 4; w++) Atomics.store(this.i32, b + A_ADDR + w, addr[w]);
    Atomics.store(this.i32, b + A_SLOT, slot);
    Atomics.store(this.i32, b + A_GEN, gen);
    Atomics.store(this.i32, b + A_USED, now | 0);
    Atomics.store(this.i32, b + A_TIMEOUT, timeout);
    // Publishing store: a reader that loads this even seq before and after its field loads saw these fields.
    Atomics.store(this.i32, b + A_SEQ, (seq + 2) | 0);
    return true;
  }
}

function hashKey(port: number, addr: Int32Array): number {
  let h = Math.imul(port ^ 0x5bd1e995, 0x9e3779b1);
  for (let w = 0; w < 4; w++) h = Math.imul(h ^ addr[w], 0x85ebca6b) ^ (h >>> 13);
  h ^= h >>> 16;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Stamps are whole seconds (floor of the clock), so two stamps a moment apart can differ by 1:
 *  with `>=` an entry refreshed 0.1 s ago could already be expired (a `timeoutSeconds: 1` client
 *  would lose its endpoint at every second boundary). Expiring only past the timeout makes an
 *  entry last between timeoutSeconds and timeoutSeconds + 1 s without a new connection: never
 *  early, at most a second late. */
function expired(now: number, used: number, timeout: number): boolean {
  return now - used > timeout;
}
