// The 64-bit counter region of the shared endpoint table: per slot (connections and UDP flows,
// connect failures, bytes, datagrams, ICMP refusals, health transitions), per Service port
// (connections or flows, refusals by cause, bytes, connect errors, retries, connect-latency and
// duration histograms; for UDP ports datagrams, flows ended by reason and drops by cause) and per
// data-plane worker (connections, flows, restarts, event-loop delay). Workers add (src/data/metrics-worker-recorder.ts, the picker); the
// main thread reads them for /metrics and the status page (src/admin/metrics-snapshot.ts) and resets
// them when a slot or Service port region gets a new occupant. EndpointTable extends this class, so
// callers see one table; where the words sit is endpoint-table-layout.ts's.
//
// Memory ordering: every access is an SC Atomics operation on an independent 64-bit word. Adds from
// several workers are never lost; nothing else is published through these words, so a reader needs
// no further ordering (a scrape that sees one counter a moment before another is still a scrape).
import type { HistogramCounts, WorkerRow } from '../model/status-document.ts';
import {
  CONNECT_SECONDS_BUCKETS, DURATION_SECONDS_BUCKETS, FLOW_END_WORD, PL_BYTES_IN, PL_BYTES_OUT, PL_CONNECT_ERRORS, PL_CONNECT_HIST,
  PL_DGRAMS_IN, PL_DGRAMS_OUT, PL_DURATION_HIST, PL_RETRIES, PL_TOTAL, PORT_LONGS, REFUSAL_WORD, SL_BYTES_IN, SL_BYTES_OUT,
  SL_DGRAMS_IN, SL_DGRAMS_OUT, SL_FAILS, SL_HEALTH_SEEN, SL_HEALTH_TRANSITIONS, SL_ICMP_REFUSED, SL_TOTAL, SLOT_LONGS,
  UDP_DROP_WORD, W_ACTIVE, W_DELAY_MAX, W_DELAY_P50, W_DELAY_P99, W_FLOWS, W_FLOWS_TOTAL, W_RESTARTS, W_TOTAL, WORKER_LONGS,
  type FlowEnd, type RefusalCause, type TableGeometry, type UdpDropCause,
} from './endpoint-table-layout.ts';

export type HistogramName = 'connect' | 'duration';
/** Non-cumulative counts per bucket (the last one is +Inf) and the sum of observations. */
export class EndpointTableMetrics {
  readonly buffer: SharedArrayBuffer;
  readonly maxWorkers: number;
  // Slot longs start at index 0 of the region; EndpointTable adds to SL_TOTAL and SL_FAILS itself.
  protected readonly i64: BigInt64Array;
  private readonly portLongBase: number;
  private readonly workerLongBase: number;

  constructor(buffer: SharedArrayBuffer, g: TableGeometry) {
    this.buffer = buffer;
    this.maxWorkers = g.maxWorkers;
    this.i64 = new BigInt64Array(buffer, g.intWords * 4, g.longWords);
    this.portLongBase = g.portLongBase;
    this.workerLongBase = g.workerLongBase;
  }

  // ---- slots ----

  totalConnections(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_TOTAL)); }
  totalConnectFailures(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_FAILS)); }
  healthTransitions(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_HEALTH_TRANSITIONS)); }
  slotBytesIn(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_BYTES_IN)); }
  slotBytesOut(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_BYTES_OUT)); }
  slotDatagramsIn(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_DGRAMS_IN)); }
  slotDatagramsOut(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_DGRAMS_OUT)); }
  slotIcmpRefused(slot: number): number { return Number(Atomics.load(this.i64, slot * SLOT_LONGS + SL_ICMP_REFUSED)); }

  /** Counts a change of "ready and not ejected or admin-down" (`now`: 1 or 0). Flags are written by
   *  the main thread only, so this plain read-then-store is not racy; SC stores make the counts
   *  visible to readers. */
  protected noteHealth(slot: number, now: number): void {
    const at = slot * SLOT_LONGS;
    const seen = Number(Atomics.load(this.i64, at + SL_HEALTH_SEEN));
    if (seen === now + 1) return;
    if (seen !== 0) Atomics.add(this.i64, at + SL_HEALTH_TRANSITIONS, 1n);
    Atomics.store(this.i64, at + SL_HEALTH_SEEN, BigInt(now + 1));
  }

  /** Main thread, for a slot's new occupant (before its snapshot is posted, which publishes the zeros). */
  protected resetSlotLongs(slot: number): void {
    for (let w = 0; w < SLOT_LONGS; w++) Atomics.store(this.i64, slot * SLOT_LONGS + w, 0n);
  }

  // ---- Service ports ----

  countPortConnection(port: number): void { Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + PL_TOTAL, 1n); }
  portTotalConnections(port: number): number { return this.portLong(port, PL_TOTAL); }
  countRefusal(port: number, cause: RefusalCause): void {
    Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + REFUSAL_WORD[cause], 1n);
  }
  refusals(port: number, cause: RefusalCause): number { return this.portLong(port, REFUSAL_WORD[cause]); }

  /** Bytes from the client (in) and to the client (out), added to the Service port and the slot. */
  addBytes(port: number, slot: number, bytesIn: number, bytesOut: number): void {
    const p = this.portLongBase + port * PORT_LONGS;
    const s = slot * SLOT_LONGS;
    if (bytesIn > 0) { const b = BigInt(bytesIn); Atomics.add(this.i64, p + PL_BYTES_IN, b); Atomics.add(this.i64, s + SL_BYTES_IN, b); }
    if (bytesOut > 0) { const b = BigInt(bytesOut); Atomics.add(this.i64, p + PL_BYTES_OUT, b); Atomics.add(this.i64, s + SL_BYTES_OUT, b); }
  }
  /** Datagrams from clients (in) and to clients (out) of a UDP Service port's flow, to the port and the slot. */
  addDatagrams(port: number, slot: number, dgramsIn: number, dgramsOut: number): void {
    const p = this.portLongBase + port * PORT_LONGS;
    const s = slot * SLOT_LONGS;
    if (dgramsIn > 0) { const b = BigInt(dgramsIn); Atomics.add(this.i64, p + PL_DGRAMS_IN, b); Atomics.add(this.i64, s + SL_DGRAMS_IN, b); }
    if (dgramsOut > 0) { const b = BigInt(dgramsOut); Atomics.add(this.i64, p + PL_DGRAMS_OUT, b); Atomics.add(this.i64, s + SL_DGRAMS_OUT, b); }
  }
  portDatagramsIn(port: number): number { return this.portLong(port, PL_DGRAMS_IN); }
  portDatagramsOut(port: number): number { return this.portLong(port, PL_DGRAMS_OUT); }
  countFlowEnd(port: number, reason: FlowEnd): void { Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + FLOW_END_WORD[reason], 1n); }
  flowsEnded(port: number, reason: FlowEnd): number { return this.portLong(port, FLOW_END_WORD[reason]); }
  /** `n` client datagrams of a UDP Service port dropped for `cause` (workers add them in batches). */
  countUdpDrops(port: number, cause: UdpDropCause, n: number): void {
    if (n > 0) Atomics.add(this.i64, this.portLongBase + port * PORT_LONGS + UDP_DROP_WORD[cause], BigInt(n));
  }
  udpDrops(port: number, cause: UdpDropCause): number { return this.portLong(port, UDP_DROP_WORD[cause]); }
  portBytesIn(port: number): number { return this.portLong(port, PL_BYTES_IN); }
  portBytesOut(port: number): number { return this.portLong(port, PL_BYTES_OUT); }
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

  /** Main thread, before a freed port region is handed to a new Service port. */
  protected resetPortLongs(port: number): void {
    for (let w = 0; w < PORT_LONGS; w++) Atomics.store(this.i64, this.portLongBase + port * PORT_LONGS + w, 0n);
  }

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
  workerFlowOpened(worker: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.add(this.i64, b + W_FLOWS_TOTAL, 1n);
    Atomics.add(this.i64, b + W_FLOWS, 1n);
  }
  workerFlowClosed(worker: number): void {
    if (worker < this.maxWorkers) Atomics.sub(this.i64, this.workerLongBase + worker * WORKER_LONGS + W_FLOWS, 1n);
  }
  /** Main thread: a replacement takes over a crashed worker's row; its connections and flows died with it. */
  workerRestarted(worker: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.add(this.i64, b + W_RESTARTS, 1n);
    Atomics.store(this.i64, b + W_ACTIVE, 0n);
    Atomics.store(this.i64, b + W_FLOWS, 0n);
  }
  /** The worker's own event-loop delay percentiles, in nanoseconds (perf_hooks histogram units). */
  setWorkerLoopDelay(worker: number, p50ns: number, p99ns: number, maxNs: number): void {
    if (worker >= this.maxWorkers) return;
    const b = this.workerLongBase + worker * WORKER_LONGS;
    Atomics.store(this.i64, b + W_DELAY_P50, BigInt(Math.round(p50ns)));
    Atomics.store(this.i64, b + W_DELAY_P99, BigInt(Math.round(p99ns)));
    Atomics.store(this.i64, b + W_DELAY_MAX, BigInt(Math.round(maxNs)));
  }
  worker(worker: number): Required<WorkerRow> {
    const b = this.workerLongBase + worker * WORKER_LONGS;
    const at = (w: number) => Number(Atomics.load(this.i64, b + w));
    return {
      connectionsTotal: at(W_TOTAL), activeConnections: at(W_ACTIVE), restarts: at(W_RESTARTS),
      flowsTotal: at(W_FLOWS_TOTAL), activeFlows: at(W_FLOWS),
      loopDelayP50: at(W_DELAY_P50) / 1e9, loopDelayP99: at(W_DELAY_P99) / 1e9, loopDelayMax: at(W_DELAY_MAX) / 1e9,
    };
  }
}
