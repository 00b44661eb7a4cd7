// The shared endpoint table's slot, Service-port and global words, and the class callers hold.
// The main thread allocates it (createEndpointTable) and is the only writer of slot identity, flags
// and weights; data-plane workers attach to the same buffer (attachEndpointTable) and update
// connection counters, the round-robin cursors and the ClientIP affinity table. Where each word sits
// is endpoint-table-layout.ts's; the 64-bit counters are EndpointTableMetrics's (the base class), the
// affinity entries AffinityTable's, what a state word means slot-state.ts's.
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
// stale. V8 in Node 26 does not inline Atomics.load: each is a runtime call, an order of magnitude
// dearer than a plain read, and least-connections reads several per pick (bench/pick-cost.ts). Where a read must be ordered after
// another thread's write — generation() at snapshot install, the weight epoch, the affinity seqlock,
// CAS loops, the main thread's drain check — Atomics.load is used. A plain read that follows an
// Atomics.load of the epoch the writer bumped after its store is happens-after that store.
import { AffinityTable, type AffinityHit } from './affinity-table.ts';
import * as layout from './endpoint-table-layout.ts';
import { allocateEndpointTable, readTableHeader, type EndpointTableSizes } from './endpoint-table-layout.ts';
import { EndpointTableMetrics } from './endpoint-table-metrics.ts';
import { healthy, retiredState, stateFlags, stateGeneration, withFlags } from './slot-state.ts';

// Module-local copies of the layout's word offsets. V8 folds a module-local const into optimized
// code; an imported binding it reads from the exporting module's cell at every use. Indexing with
// the imports directly made slotState + active + weight of one slot about 1.5 ns slower (4.2 -> 5.7
// ns, a scratch microbenchmark on this box); with these copies it is 4.2-4.3 ns, as before the split.
const { H_FD_ROOM, H_GLOBAL_ACTIVE, H_STATE_EPOCH, H_UDP_FLOWS, H_WEIGHT_EPOCH, P_ACTIVE, P_CURSOR, PORT_WORDS, S_ACTIVE, S_CONSEC_FAIL, S_WEIGHT } = layout;
const { SL_FAILS, SL_ICMP_REFUSED, SL_TOTAL, SLOT_LONGS, SLOT_WORDS } = layout;

/** A limit setting (0 = unlimited) as a cap on a count. */
const capOf = (max: number): number => (max > 0 ? max : Infinity);

export class EndpointTable extends EndpointTableMetrics {
  readonly maxSlots: number;
  readonly maxServicePorts: number;
  readonly affinityCapacity: number;
  private readonly i32: Int32Array;
  private readonly stateBase: number;
  private readonly slotBase: number;
  private readonly portBase: number;
  private readonly affinity: AffinityTable;

  constructor(buffer: SharedArrayBuffer) {
    const g = readTableHeader(buffer);
    super(buffer, g);
    this.maxSlots = g.maxSlots;
    this.maxServicePorts = g.maxServicePorts;
    this.affinityCapacity = g.affinityCapacity;
    this.i32 = new Int32Array(buffer, 0, g.intWords);
    this.stateBase = g.stateBase;
    this.slotBase = g.slotBase;
    this.portBase = g.portBase;
    this.affinity = new AffinityTable(this.i32, g.affBase, g.affinityCapacity);
  }

  // ---- slots: identity, flags, weight (written by the main thread only) ----

  /** Opaque word holding flags and generation (decode with stateFlags / stateGeneration). Relaxed
   *  (plain, tear-free) read for the per-pick path; see the header. */
  slotState(slot: number): number { return this.i32[this.stateBase + slot]; }
  /** Ordered reads (SC Atomics.load): after a snapshot's arrival they see the main thread's writes. */
  flags(slot: number): number { return stateFlags(Atomics.load(this.i32, this.stateBase + slot)); }
  generation(slot: number): number { return stateGeneration(Atomics.load(this.i32, this.stateBase + slot)); }

  /** Set and clear flag bits, keeping the generation. A CAS loop, so concurrent callers never lose bits. */
  updateFlags(slot: number, set: number, clear: number): number {
    const at = this.stateBase + slot;
    for (;;) {
      const old = Atomics.load(this.i32, at);
      const next = withFlags(old, set, clear);
      // SC compareExchange: a worker's next load of the state word sees either old or next, whole.
      if (Atomics.compareExchange(this.i32, at, old, next) === old) {
        // Bumped after the state word (SC add): a picker that sees the new epoch and then reads
        // the word sees `next`. Unchanged words (every snapshot rewrites them) leave it alone.
        if (next !== old) Atomics.add(this.i32, H_STATE_EPOCH, 1);
        this.noteHealth(slot, healthy(next));
        return next;
      }
    }
  }

  /** Main thread: the slot's occupant is gone for good. Bumping the generation invalidates every
   *  snapshot and affinity entry that still names the slot. */
  retireSlot(slot: number): void {
    const at = this.stateBase + slot;
    Atomics.store(this.i32, at, retiredState(Atomics.load(this.i32, at)));
    Atomics.add(this.i32, H_STATE_EPOCH, 1);
  }

  /** Changes whenever any slot's state word changes. Relaxed (plain, tear-free) read: a picker
   *  compares it on every pick and, when it moved, re-reads it with stateEpochOrdered() before
   *  rebuilding, so the rebuild's reads are ordered after the writes the epoch announced. */
  stateEpoch(): number { return this.i32[H_STATE_EPOCH]; }
  stateEpochOrdered(): number { return Atomics.load(this.i32, H_STATE_EPOCH); }

  /** Main thread: reset a free slot's counters for a new occupant (before its snapshot is posted).
   *  The active count is left alone: it was zero when the slot was freed, and a straggler that
   *  picked the old occupant just before it drained pairs its +1 with a -1; zeroing in between
   *  would leave the new occupant at -1 for good. */
  resetSlotCounters(slot: number): void {
    Atomics.store(this.i32, this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL, 0);
    this.resetSlotLongs(slot);
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
  /** A connection to the slot is established: active+1 (global across workers), total+1 (64-bit,
   *  read by EndpointTableMetrics.totalConnections). */
  slotOpened(slot: number): void {
    Atomics.add(this.i32, this.slotBase + slot * SLOT_WORDS + S_ACTIVE, 1);
    Atomics.add(this.i64, slot * SLOT_LONGS + SL_TOTAL, 1n);
  }
  slotClosed(slot: number): void { Atomics.sub(this.i32, this.slotBase + slot * SLOT_WORDS + S_ACTIVE, 1); }
  consecutiveFailures(slot: number): number { return Atomics.load(this.i32, this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL); }
  connectFailed(slot: number): void {
    Atomics.add(this.i32, this.slotBase + slot * SLOT_WORDS + S_CONSEC_FAIL, 1);
    Atomics.add(this.i64, slot * SLOT_LONGS + SL_FAILS, 1n);
  }
  /** An ICMP port unreachable on a UDP flow to the slot, counted on its own; with `failure`, also
   *  a failure like a refused connect (the passive ejector counts both). */
  icmpRefused(slot: number, failure: boolean): void {
    if (failure) this.connectFailed(slot);
    Atomics.add(this.i64, slot * SLOT_LONGS + SL_ICMP_REFUSED, 1n);
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
  tryAddPortActive(port: number, max: number): boolean { return this.tryIncrement(this.portBase + port * PORT_WORDS + P_ACTIVE, capOf(max)); }
  /** A new proxied connection, unless connectionCap(max) are admitted across every worker. */
  tryAddGlobalActive(max: number): boolean { return this.tryIncrement(H_GLOBAL_ACTIVE, this.connectionCap(max)); }
  /** A new UDP flow, unless flowCap(max) are live across every worker. */
  tryAddUdpFlow(max: number): boolean { return this.tryIncrement(H_UDP_FLOWS, this.flowCap(max)); }
  addUdpFlows(delta: number): number { return Atomics.add(this.i32, H_UDP_FLOWS, delta) + delta; }
  udpFlows(): number { return Atomics.load(this.i32, H_UDP_FLOWS); }
  private tryIncrement(at: number, cap: number): boolean {
    if (cap === Infinity) { Atomics.add(this.i32, at, 1); return true; }
    for (;;) {
      const v = Atomics.load(this.i32, at);
      if (v >= cap) return false;
      if (Atomics.compareExchange(this.i32, at, v, v + 1) === v) return true;
    }
  }
  /** Main thread, before a freed port region is handed to a new Service port (forgetAffinity is
   *  separate: it scans the whole affinity table, so it runs once, when the region is freed). */
  resetServicePort(port: number): void {
    const b = this.portBase + port * PORT_WORDS;
    Atomics.store(this.i32, b + P_CURSOR, 0);
    Atomics.store(this.i32, b + P_ACTIVE, 0);
    this.resetPortLongs(port);
  }

  globalActive(): number { return Atomics.load(this.i32, H_GLOBAL_ACTIVE); }

  // ---- the descriptor room that connections and UDP flows share ----
  // The two admissions each read the other's count, so two workers admitting at the same instant
  // (one a connection, one a flow) can together take up to two descriptors more than the room:
  // a few per worker at most, inside the budget's per-worker reserve. Each count itself stays exact
  // (its CAS loop).

  /** Main thread: descriptors connections and flows may hold now (negative: no limit). SC store;
   *  admissions after it see the new room. */
  setDescriptorRoom(room: number): void { Atomics.store(this.i32, H_FD_ROOM, room); }
  descriptorRoom(): number { return Atomics.load(this.i32, H_FD_ROOM); }
  /** Proxied connections the room allows in all beside the live UDP flows (two descriptors each);
   *  Infinity without a limit. */
  connectionRoom(): number {
    const room = Atomics.load(this.i32, H_FD_ROOM);
    return room < 0 ? Infinity : Math.max(0, Math.floor((room - this.udpFlows()) / 2));
  }
  /** UDP flows the room allows in all beside the admitted connections (one descriptor each). */
  flowRoom(): number {
    const room = Atomics.load(this.i32, H_FD_ROOM);
    return room < 0 ? Infinity : Math.max(0, room - 2 * this.globalActive());
  }
  /** Proxied connections admission lets be open now: --max-connections (max; 0 = unlimited) or
   *  what the room allows, the lower; Infinity = no limit. Admission and /metrics both read it. */
  connectionCap(max: number): number { return Math.min(capOf(max), this.connectionRoom()); }
  /** UDP flows admission lets be live now: --max-udp-flows (max; 0 = unlimited) or the room's. */
  flowCap(max: number): number { return Math.min(capOf(max), this.flowRoom()); }
  addGlobalActive(delta: number): number { return Atomics.add(this.i32, H_GLOBAL_ACTIVE, delta) + delta; }

  /** Main thread: take back the active counts a dead worker still held (see WorkerLedger), never
   *  below zero — a count that was reset meanwhile (a reused Service port region) stays at zero. */
  releaseHeld(kind: 'slot' | 'port' | 'global' | 'udpFlows', index: number, held: number): void {
    const at = kind === 'slot' ? this.slotBase + index * SLOT_WORDS + S_ACTIVE
      : kind === 'port' ? this.portBase + index * PORT_WORDS + P_ACTIVE : kind === 'global' ? H_GLOBAL_ACTIVE : H_UDP_FLOWS;
    for (;;) {
      const v = Atomics.load(this.i32, at);
      // SC CAS: a concurrent worker's add/sub is never lost, it only makes this loop retry.
      if (Atomics.compareExchange(this.i32, at, v, Math.max(0, v - held)) === v) return;
    }
  }

  // ---- ClientIP affinity (AffinityTable: one seqlock per entry, see there) ----

  /** The result is reused: valid until the next lookup through this table instance. */
  lookupAffinity(port: number, addr: Int32Array, now: number, timeout: number): AffinityHit | null {
    return this.affinity.lookup(port, addr, now, timeout);
  }
  rememberAffinity(port: number, addr: Int32Array, slot: number, generation: number, now: number, timeout: number): boolean {
    return this.affinity.remember(port, addr, slot, generation, now, timeout);
  }
  /** Main thread: expire every entry of a Service port region that is being freed. */
  forgetAffinity(port: number): void { this.affinity.forget(port); }
}

/** Main thread: allocate and initialise a table. Workers attach to `table.buffer`. */
export function createEndpointTable(sizes: EndpointTableSizes): EndpointTable {
  return new EndpointTable(allocateEndpointTable(sizes));
}

/** Worker thread: view a table received from the main thread. */
export function attachEndpointTable(buffer: SharedArrayBuffer): EndpointTable {
  return new EndpointTable(buffer);
}
