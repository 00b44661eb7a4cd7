// The SharedArrayBuffer endpoint table: the one module that knows the buffer's layout.
// The main thread allocates it (createEndpointTable) and is the only writer of slot identity, flags
// and weights; data-plane workers attach to the same buffer (attachEndpointTable) and update
// connection counters, the round-robin cursors and the ClientIP affinity table.
//
// Memory ordering: every shared word is read and written with Atomics, which are sequentially
// consistent. That is enough because every cross-thread protocol here is "write data, then publish":
// the main thread writes a slot's flags/weight/generation before it posts the snapshot naming that
// slot, and postMessage happens-after those writes, so a worker that installs the snapshot sees them.
// Counters are independent words where a momentarily stale read only skews a balancing decision.
//
// Hot-path reads (slotState, active, weight: several per pick) are plain element reads, not
// Atomics.load: ECMAScript makes aligned Int32Array accesses to shared memory tear-free, so a racing
// read returns some value a thread stored, never a mix, and a pick tolerates a value nanoseconds
// stale. V8 in Node 26 does not inline Atomics.load (~15 ns runtime call against ~1 ns, measured in
// bench/pick-cost.ts), which made least-connections 2-3x slower. Where a read must be ordered after
// another thread's write — generation() at snapshot install, the weight epoch, the affinity seqlock,
// CAS loops, the main thread's drain check — Atomics.load is used. A plain read that follows an
// Atomics.load of the epoch the writer bumped after its store is happens-after that store.
import { ApiError } from '../model/api-error.ts';
import { healthy, retiredState, stateFlags, stateGeneration, withFlags } from './slot-state.ts';

export type RefusalCause = 'noEndpoints' | 'maxConnections' | 'sourceRange';

export interface EndpointTableSizes {
  maxSlots: number;
  maxServicePorts: number;
  /** ClientIP affinity entries; rounded up to a power of two (min 8). */
  affinityEntries: number;
  /** Rows of per-worker metrics (worker ids 0..maxWorkers-1); default 256. */
  maxWorkers?: number;
}

/** Upper bounds (seconds) of the connect-latency histogram buckets, +Inf implied (Prometheus `le`). */
export const CONNECT_SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Upper bounds (seconds) of the connection-duration histogram buckets, +Inf implied. */
export const DURATION_SECONDS_BUCKETS: readonly number[] = [0.005, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600];

export type HistogramName = 'connect' | 'duration';
/** Non-cumulative counts per bucket (the last one is +Inf) and the sum of observations. */
export interface HistogramCounts { counts: number[]; sumSeconds: number }

/** One data-plane worker's row (event-loop delay in seconds, as last written by the worker). */
export interface WorkerRow {
  connectionsTotal: number;
  activeConnections: number;
  restarts: number;
  loopDelayP50: number;
  loopDelayP99: number;
  loopDelayMax: number;
}

/** Reused result object of lookupAffinity: valid until the next lookup on the same table instance. */
export interface AffinityHit { slot: number; generation: number; lastUsed: number }

const MAGIC = 0x53594554; // "SYET"
const VERSION = 3;
// Header words (Int32).
const H_MAGIC = 0, H_VERSION = 1, H_SLOTS = 2, H_PORTS = 3, H_AFF = 4, H_GLOBAL_ACTIVE = 5, H_WEIGHT_EPOCH = 6, H_WORKERS = 7;
const HEADER_WORDS = 16;
// Slot words (Int32), 16-byte stride: everything a pick reads is on one cache line, and 30,000 slots
// (480 KiB) stay within a core's L2, which random picks over large endpoint sets depend on.
const S_STATE = 0, S_WEIGHT = 1, S_ACTIVE = 2, S_CONSEC_FAIL = 3, SLOT_WORDS = 4;
// Service-port words (Int32).
const P_CURSOR = 0, P_ACTIVE = 1, PORT_WORDS = 4;
// Affinity entry words (Int32): a seqlock word, the key (port index + 128-bit address), the value.
const A_SEQ = 0, A_PORT = 1, A_ADDR = 2, A_SLOT = 6, A_GEN = 7, A_USED = 8, A_TIMEOUT = 9, AFF_WORDS = 10;
const AFF_PROBE = 8;
// 64-bit counter words (BigInt64), after the Int32 region: slots, then Service ports, then workers.
// Byte counters are 64-bit because an Int32 wraps after 2 GiB, minutes of bulk traffic. They are
// not updated per chunk: a worker adds each connection's bytes when it closes and, for open
// connections, the delta every second (metrics-worker-recorder.ts), so the hot path pays nothing.
// SL_HEALTH_SEEN: 0 = no flags written since the slot got its occupant, else 1 + last health (0/1),
// so the first flags write (the endpoint appearing) is not counted as a health transition.
const SL_TOTAL = 0, SL_FAILS = 1, SL_BYTES_IN = 2, SL_BYTES_OUT = 3, SL_HEALTH_TRANSITIONS = 4, SL_HEALTH_SEEN = 5, SLOT_LONGS = 6;
// Histograms: one count per bucket (+Inf last, non-cumulative) then the sum in microseconds.
const CONNECT_HIST_LONGS = CONNECT_SECONDS_BUCKETS.length + 2;
const DURATION_HIST_LONGS = DURATION_SECONDS_BUCKETS.length + 2;
const PL_TOTAL = 0, PL_BYTES_IN = 4, PL_BYTES_OUT = 5, PL_CONNECT_ERRORS = 6, PL_RETRIES = 7, PL_CONNECT_HIST = 8;
const PL_DURATION_HIST = PL_CONNECT_HIST + CONNECT_HIST_LONGS;
const PORT_LONGS = PL_DURATION_HIST + DURATION_HIST_LONGS;
// Worker rows: each written by its own worker (counters, loop delay in ns) or by the main thread
// (restarts, the active count reset when a crashed worker's row is taken over).
const W_TOTAL = 0, W_ACTIVE = 1, W_RESTARTS = 2, W_DELAY_P50 = 3, W_DELAY_P99 = 4, W_DELAY_MAX = 5, WORKER_LONGS = 8;
const REFUSAL_WORD: Record<RefusalCause, number> = { noEndpoints: 1, maxConnections: 2, sourceRange: 3 };

export class EndpointTable {
  readonly buffer: SharedArrayBuffer;
  readonly maxSlots: number;
  readonly maxServicePorts: number;
  readonly affinityCapacity: number;
  readonly maxWorkers: number;
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  private readonly slotBase: number;
  private readonly portBase: number;
  private readonly affBase: number;
  private readonly portLongBase: number;
  private readonly workerLongBase: number;
  private readonly hit: AffinityHit = { slot: -1, generation: 0, lastUsed: 0 };

  constructor(buffer: SharedArrayBuffer) {
    const head = new Int32Array(buffer, 0, HEADER_WORDS);
    if (head[H_MAGIC] !== MAGIC || head[H_VERSION] !== VERSION) {
      throw new ApiError(500, 'InternalError', 'SY_TABLE_LAYOUT', 'buffer is not a switchyard endpoint table of this version; attach only the buffer createEndpointTable returned');
    }
    this.buffer = buffer;
    this.maxSlots = head[H_SLOTS];
    this.maxServicePorts = head[H_PORTS];
    this.affinityCapacity = head[H_AFF];
    this.maxWorkers = head[H_WORKERS];
    const l = layout(this.maxSlots, this.maxServicePorts, this.affinityCapacity, this.maxWorkers);
    this.i32 = new Int32Array(buffer, 0, l.intWords);
    this.i64 = new BigInt64Array(buffer, l.intWords * 4, l.longWords);
    this.slotBase = HEADER_WORDS;
    this.portBase = this.slotBase + this.maxSlots * SLOT_WORDS;
    this.affBase = this.portBase + this.maxServicePorts * PORT_WORDS;
    this.portLongBase = this.maxSlots * SLOT_LONGS;
    this.workerLongBase = this.portLongBase + this.maxServicePorts * PORT_LONGS;
  }

  // ---- slots: identity, flags, weight (written by the main thread only) ----

  /** Opaque word holding flags and generation (decode with stateFlags / stateGeneration). Relaxed
   *  (plain, tear-free) read for the per-pick path; see the header. */
  slotState(slot: number): number { return this.i32[this.slotBase + slot * SLOT_WORDS + S_STATE]; }
  /** Ordered reads (SC Atomics.load): after a snapshot's arrival they see the main thread's writes. */
  flags(slot: number): number { return stateFlags(Atomics.load(this.i32, this.slotBase + slot * SLOT_WORDS + S_STATE)); }
  generation(slot: number): number { return stateGeneration(Atomics.load(this.i32, this.slotBase + slot * SLOT_WORDS + S_STATE)); }

  /** Set and clear flag bits, keeping the generation. A CAS loop, so concurrent callers never lose bits. */
  updateFlags(slot: number, set: number, clear: number): number {
    const at = this.slotBase + slot * SLOT_WORDS + S_STATE;
    for (;;) {
      const old = Atomics.load(this.i32, at);
      const next = withFlags(old, set, clear);
      // SC compareExchange: a worker's next load of the state word sees either old or next, whole.
      if (Atomics.compareExchange(this.i32, at, old, next) === old) {
        this.noteHealth(slot, healthy(next));
        return next;
      }
    }
  }

  /** Counts a change of "ready and not ejected or admin-down". Flags are written by the main thread
   *  only, so this plain read-then-store is not racy; SC stores make the counts visible to readers. */
  private noteHealth(slot: number, now: number): void {
    const at = slot * SLOT_LONGS;
    const seen = Number(Atomics.load(this.i64, at + SL_HEALTH_SEEN));
    if (seen === now + 1) return;
    if (seen !== 0) Atomics.add(this.i64, at + SL_HEALTH_TRANSITIONS, 1n);
    Atomics.store(this.i64, at + SL_HEALTH_SEEN, BigInt(now + 1));
  }
  healthTransitions(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_HEALTH_TRANSITIONS)); }

  /** Main thread: the slot's occupant is gone for good. Bumping the generation invalidates every
   *  snapshot and affinity entry that still names the slot. */
  retireSlot(slot: number): void {
    const at = this.slotBase + slot * SLOT_WORDS + S_STATE;
    Atomics.store(this.i32, at, retiredState(Atomics.load(this.i32, at)));
  }

  /** Main thread: reset a free slot's counters for a new occupant (before its snapshot is posted).
   *  The active count is left alone: it was zero when the slot was freed, and a straggler that
   *  picked the old occupant just before it drained pairs its +1 with a -1; zeroing in between
   *  would leave the new occupant at -1 for good. */
  resetSlotCounters(slot: number): void {
    const b = this.slotBase + slot * SLOT_WORDS;
    Atomics.store(this.i32, b + S_CONSEC_FAIL, 0);
    for (let w = 0; w < SLOT_LONGS; w++) Atomics.store(this.i64, slot * SLOT_LONGS + w, 0n);
  }

  /** Relaxed read (per pick); callers that cache weights read weightEpoch() first. */
  weight(slot: number): number { return this.i32[this.slotBase + slot * SLOT_WORDS + S_WEIGHT]; }
  setWeight(slot: number, weight: number): void {
    const at = this.slotBase + slot * SLOT_WORDS + S_WEIGHT;
    if (Atomics.load(this.i32, at) === weight) return;
    Atomics.store(this.i32, at, weight);
    // Bumped after the weight store: a worker that sees the new epoch re-reads weights and sees it.
    Atomics.add(this.i32, H_WEIGHT_EPOCH, 1);
  }
  /** Changes whenever any weight changes; workers cache weight prefix sums keyed by it. */
  weightEpoch(): number { return Atomics.load(this.i32, H_WEIGHT_EPOCH); }

  // ---- slots: counters (workers) ----
  // Atomics.add/sub are SC read-modify-writes: increments from several workers are never lost, and
  // nothing else is published through these words, so no further ordering is needed.

  /** Relaxed read (per pick, least-connections): a count a few nanoseconds old is as good as any. */
  active(slot: number): number { return this.i32[this.slotBase + slot * SLOT_WORDS + S_ACTIVE]; }
  /** Ordered read (SC) for the main thread's decision to free a slot. */
  activeOrdered(slot: number): number { return Atomics.load(this.i32, this.slotBase + slot * SLOT_WORDS + S_ACTIVE); }
  /** A connection to the slot is established: active+1 (global across workers), total+1. */
  slotOpened(slot: number): void {
    Atomics.add(this.i32, this.slotBase + slot * SLOT_WORDS + S_ACTIVE, 1);
    Atomics.add(this.i64, slot * SLOT_LONGS + SL_TOTAL, 1n);
  }
  slotClosed(slot: number): void { Atomics.sub(this.i32, this.slotBase + slot * SLOT_WORDS + S_ACTIVE, 1); }
  totalConnections(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_TOTAL)); }
  consecutiveFailures(slot: number): number { return Atomics.load(this.i32, this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL); }
  totalConnectFailures(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_FAILS)); }
  connectFailed(slot: number): void {
    Atomics.add(this.i32, this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL, 1);
    Atomics.add(this.i64, slot * SLOT_LONGS + SL_FAILS, 1n);
  }
  connectSucceeded(slot: number): void {
    const at = this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL;
    // Load first so the common case (already 0) does not dirty the shared cache line.
    if (Atomics.load(this.i32, at) !== 0) Atomics.store(this.i32, at, 0);
  }

  // ---- Service ports ----

  /** The shared round-robin cursor: every worker's pick takes the next value (SC Atomics.add: no two
   *  picks get the same value), so the sequence is global. Wraps at 2^32: one uneven step per
   *  4 billion picks when the endpoint count does not divide 2^32. */
  nextCursor(port: number): number { return Atomics.add(this.i32, this.portBase + port * PORT_WORDS + P_CURSOR, 1) >>> 0; }
  portActive(port: number): number { return Atomics.load(this.i32, this.portBase + port * PORT_WORDS + P_ACTIVE); }
  /** Adds delta to the port's admitted-connection count and returns the new value. */
  addPortActive(port: number, delta: number): number {
    return Atomics.add(this.i32, this.portBase + port * PORT_WORDS + P_ACTIVE, delta) + delta;
  }
  /** Admission: +1 unless that would exceed max (0 = unlimited). A CAS loop, so the limit is exact
   *  across workers: no interleaving of two workers' admissions can push the count past max. */
  tryAddPortActive(port: number, max: number): boolean { return this.tryIncrement(this.portBase + port * PORT_WORDS + P_ACTIVE, max); }
  tryAddGlobalActive(max: number): boolean { return this.tryIncrement(H_GLOBAL_ACTIVE, max); }
  private tryIncrement(at: number, max: number): boolean {
    if (max <= 0) { Atomics.add(this.i32, at, 1); return true; }
    for (;;) {
      const v = Atomics.load(this.i32, at);
      if (v >= max) return false;
      if (Atomics.compareExchange(this.i32, at, v, v + 1) === v) return true;
    }
  }
  countPortConnection(port: number): void { Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + PL_TOTAL, 1n); }
  portTotalConnections(port: number): number { return Number(Atomics.load(this.i64, this.portLongBase + port * PORT_LONGS + PL_TOTAL)); }
  countRefusal(port: number, cause: RefusalCause): void {
    Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + REFUSAL_WORD[cause], 1n);
  }
  refusals(port: number, cause: RefusalCause): number {
    return Number(Atomics.load(this.i64, this.portLongBase + port * PORT_LONGS + REFUSAL_WORD[cause]));
  }
  /** Main thread, before a freed port region is handed to a new Service port (forgetAffinity is
   *  separate: it scans the whole affinity table, so it runs once, when the region is freed). */
  resetServicePort(port: number): void {
    const b = this.portBase + port * PORT_WORDS;
    Atomics.store(this.i32, b + P_CURSOR, 0);
    Atomics.store(this.i32, b + P_ACTIVE, 0);
    for (let w = 0; w < PORT_LONGS; w++) Atomics.store(this.i64, this.portLongBase + port * PORT_LONGS + w, 0n);
  }

  // ---- traffic metrics (workers add; the main thread reads for /metrics) ----
  // SC Atomics.add on independent 64-bit words: no increment is lost, nothing else is ordered by them.

  /** Bytes from the client (in) and to the client (out), added to the Service port and the slot. */
  addBytes(port: number, slot: number, bytesIn: number, bytesOut: number): void {
    const p = this.portLongBase + port * PORT_LONGS;
    const s = slot * SLOT_LONGS;
    if (bytesIn > 0) { const b = BigInt(bytesIn); Atomics.add(this.i64, p + PL_BYTES_IN, b); Atomics.add(this.i64, s + SL_BYTES_IN, b); }
    if (bytesOut > 0) { const b = BigInt(bytesOut); Atomics.add(this.i64, p + PL_BYTES_OUT, b); Atomics.add(this.i64, s + SL_BYTES_OUT, b); }
  }
  portBytesIn(port: number): number { return this.portLong(port, PL_BYTES_IN); }
  portBytesOut(port: number): number { return this.portLong(port, PL_BYTES_OUT); }
  slotBytesIn(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_BYTES_IN)); }
  slotBytesOut(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_BYTES_OUT)); }
  /** A connect attempt from this Service port failed (refused, reset, timed out). */
  countConnectError(port: number): void { Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + PL_CONNECT_ERRORS, 1n); }
  portConnectErrors(port: number): number { return this.portLong(port, PL_CONNECT_ERRORS); }
  /** A connect attempt after the first for the same client connection. */
  countRetry(port: number): void { Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + PL_RETRIES, 1n); }
  portRetries(port: number): number { return this.portLong(port, PL_RETRIES); }

  observe(port: number, hist: HistogramName, seconds: number): void {
    const bounds = hist === 'connect' ? CONNECT_SECONDS_BUCKETS : DURATION_SECONDS_BUCKETS;
    const base = this.portLongBase + port * PORT_LONGS + (hist === 'connect' ? PL_CONNECT_HIST : PL_DURATION_HIST);
    let b = 0;
    while (b < bounds.length && seconds > bounds[b]) b++;
    Atomics.add(this.i64, base + b, 1n);
    Atomics.add(this.i64, base + bounds.length + 1, BigInt(Math.max(0, Math.round(seconds * 1e6))));
  }
  histogram(port: number, hist: HistogramName): HistogramCounts {
    const n = (hist === 'connect' ? CONNECT_SECONDS_BUCKETS : DURATION_SECONDS_BUCKETS).length + 1;
    const base = this.portLongBase + port * PORT_LONGS + (hist === 'connect' ? PL_CONNECT_HIST : PL_DURATION_HIST);
    const counts: number[] = [];
    for (let b = 0; b < n; b++) counts.push(Number(Atomics.load(this.i64, base + b)));
    return { counts, sumSeconds: Number(Atomics.load(this.i64, base + n)) / 1e6 };
  }
  private portLong(port: number, word: number): number { return Number(Atomics.load(this.i64, this.portLongBase + port * PORT_LONGS + word)); }

  // ---- per-worker rows (ids beyond maxWorkers are not recorded) ----

  workerOpened(worker: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.add(this.i64, b + W_TOTAL, 1n);
    Atomics.add(this.i64, b + W_ACTIVE, 1n);
  }
  workerClosed(worker: number): void {
    if (worker < this.maxWorkers) Atomics.sub(this.i64, this.workerLongBase + worker * WORKER_LONGS + W_ACTIVE, 1n);
  }
  /** Main thread: a replacement takes over a crashed worker's row; its connections died with it. */
  workerRestarted(worker: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.add(this.i64, b + W_RESTARTS, 1n);
    Atomics.store(this.i64, b + W_ACTIVE, 0n);
  }
  /** The worker's own event-loop delay percentiles, in nanoseconds (perf_hooks histogram units). */
  setWorkerLoopDelay(worker: number, p50ns: number, p99ns: number, maxNs: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.store(this.i64, b + W_DELAY_P50, BigInt(Math.round(p50ns)));
    Atomics.store(this.i64, b + W_DELAY_P99, BigInt(Math.round(p99ns)));
    Atomics.store(this.i64, b + W_DELAY_MAX, BigInt(Math.round(maxNs)));
  }
  worker(worker: number): WorkerRow {
    const b = this.workerLongBase + worker * WORKER_LONGS;
    const at = (w: number) => Number(Atomics.load(this.i64, b + w));
    return {
      connectionsTotal: at(W_TOTAL), activeConnections: at(W_ACTIVE), restarts: at(W_RESTARTS),
      loopDelayP50: at(W_DELAY_P50) / 1e9, loopDelayP99: at(W_DELAY_P99) / 1e9, loopDelayMax: at(W_DELAY_MAX) / 1e9,
    };
  }

  globalActive(): number { return Atomics.load(this.i32, H_GLOBAL_ACTIVE); }
  addGlobalActive(delta: number): number { return Atomics.add(this.i32, H_GLOBAL_ACTIVE, delta) + delta; }

  /** Main thread: take back the active counts a dead worker still held (see WorkerLedger), never
   *  below zero — a count that was reset meanwhile (a reused Service port region) stays at zero. */
  releaseHeld(kind: 'slot' | 'port' | 'global', index: number, held: number): void {
    const at = kind === 'slot' ? this.slotBase + index * SLOT_WORDS + S_ACTIVE
      : kind === 'port' ? this.portBase + index * PORT_WORDS + P_ACTIVE : H_GLOBAL_ACTIVE;
    for (;;) {
      const v = Atomics.load(this.i32, at);
      // SC CAS: a concurrent worker's add/sub is never lost, it only makes this loop retry.
      if (Atomics.compareExchange(this.i32, at, v, Math.max(0, v - held)) === v) return;
    }
  }

  // ---- ClientIP affinity: open addressing over a bounded probe window, one seqlock per entry ----
  // An entry never returns to empty (seq 0), so a lookup may stop at the first empty entry. Writers
  // claim an entry by CAS-ing its seq from even to odd, write, then store seq+2; readers retry
  // nothing — an entry being written, or rewritten under them, counts as a miss. Two workers that
  // miss at the same moment may store the same key twice; lookups take the first, the other expires.

  lookupAffinity(port: number, addr: Int32Array, now: number, timeout: number): AffinityHit | null {
    const mask = this.affinityCapacity - 1;
    let e = hashKey(port, addr) & mask;
    for (let p = 0; p < AFF_PROBE; p++, e = (e + 1) & mask) {
      const b = this.affBase + e * AFF_WORDS;
      const seq = Atomics.load(this.i32, b + A_SEQ);
      if (seq === 0) return null;
      if (seq & 1 || !this.keyMatches(b, port, addr)) continue;
      const slot = Atomics.load(this.i32, b + A_SLOT);
      const gen = Atomics.load(this.i32, b + A_GEN);
      const used = Atomics.load(this.i32, b + A_USED) >>> 0;
      // SC loads: if seq is unchanged after the field loads, no writer touched them in between.
      if (Atomics.load(this.i32, b + A_SEQ) !== seq) continue;
      if (now - used >= timeout) return null;
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
  rememberAffinity(port: number, addr: Int32Array, slot: number, generation: number, now: number, timeout: number): boolean {
    const mask = this.affinityCapacity - 1;
    const start = hashKey(port, addr) & mask;
    let free = -1, oldest = -1, oldestUsed = Infinity;
    for (let p = 0, e = start; p < AFF_PROBE; p++, e = (e + 1) & mask) {
      const b = this.affBase + e * AFF_WORDS;
      const seq = Atomics.load(this.i32, b + A_SEQ);
      if (seq === 0) { if (free < 0) free = e; break; }
      if (seq & 1) continue;
      if (this.keyMatches(b, port, addr)) return this.writeEntry(e, seq, port, addr, slot, generation, now, timeout);
      const used = Atomics.load(this.i32, b + A_USED) >>> 0;
      if (free < 0 && now - used >= Atomics.load(this.i32, b + A_TIMEOUT)) free = e;
      if (used < oldestUsed) { oldestUsed = used; oldest = e; }
    }
    const target = free >= 0 ? free : oldest;
    if (target < 0) return false;
    const seq = Atomics.load(this.i32, this.affBase + target * AFF_WORDS + A_SEQ);
    return (seq & 1) === 0 && this.writeEntry(target, seq, port, addr, slot, generation, now, timeout);
  }

  /** Main thread: expire every entry of a Service port region that is being freed. */
  forgetAffinity(port: number): void {
    for (let e = 0; e < this.affinityCapacity; e++) {
      const b = this.affBase + e * AFF_WORDS;
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
    const b = this.affBase + e * AFF_WORDS;
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

function layout(slots: number, ports: number, aff: number, workers: number): { intWords: number; longWords: number } {
  let intWords = HEADER_WORDS + slots * SLOT_WORDS + ports * PORT_WORDS + aff * AFF_WORDS;
  if (intWords & 1) intWords++; // BigInt64Array needs an 8-byte aligned offset
  return { intWords, longWords: slots * SLOT_LONGS + ports * PORT_LONGS + workers * WORKER_LONGS };
}

function hashKey(port: number, addr: Int32Array): number {
  let h = Math.imul(port ^ 0x5bd1e995, 0x9e3779b1);
  for (let w = 0; w < 4; w++) h = Math.imul(h ^ addr[w], 0x85ebca6b) ^ (h >>> 13);
  h ^= h >>> 16;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function checkSize(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new ApiError(400, 'BadRequest', 'SY_TABLE_SIZE', `endpoint table ${name} must be an integer between 1 and ${max}, got ${v}`);
  }
}

/** Main thread: allocate and initialise a table. Workers attach to `table.buffer`. */
export function createEndpointTable(sizes: EndpointTableSizes): EndpointTable {
  checkSize('maxSlots', sizes.maxSlots, 1 << 22);
  checkSize('maxServicePorts', sizes.maxServicePorts, 1 << 20);
  checkSize('affinityEntries', sizes.affinityEntries, 1 << 24);
  const workers = sizes.maxWorkers ?? 256;
  checkSize('maxWorkers', workers, 4096);
  let aff = 8;
  while (aff < sizes.affinityEntries) aff *= 2;
  const l = layout(sizes.maxSlots, sizes.maxServicePorts, aff, workers);
  const buffer = new SharedArrayBuffer(l.intWords * 4 + l.longWords * 8);
  const head = new Int32Array(buffer, 0, HEADER_WORDS);
  // Plain writes are fine: no other thread has the buffer before it is posted.
  head[H_SLOTS] = sizes.maxSlots;
  head[H_PORTS] = sizes.maxServicePorts;
  head[H_AFF] = aff;
  head[H_WORKERS] = workers;
  head[H_VERSION] = VERSION;
  head[H_MAGIC] = MAGIC;
  return new EndpointTable(buffer);
}

/** Worker thread: view a table received from the main thread. */
export function attachEndpointTable(buffer: SharedArrayBuffer): EndpointTable {
  return new EndpointTable(buffer);
}
