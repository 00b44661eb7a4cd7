// Where every word of the shared endpoint table sits: the one module that knows the
// SharedArrayBuffer's layout. The accessor classes (endpoint-table.ts, endpoint-table-metrics.ts,
// affinity-table.ts) index the buffer only through the constants and the geometry defined here, so a
// layout change is made here, with a new VERSION, and nowhere else. The buffer is an Int32 region (header,
// slots, Service ports, affinity entries) followed by a BigInt64 region (slot, Service port and
// worker counters). Any thread: the main thread allocates (allocateEndpointTable), every thread reads
// the header when it builds its views (readTableHeader). Modules on the pick path copy the offsets
// they use into module-local consts (endpoint-table.ts says why); the values are still only here.
import { ApiError } from '../model/api-error.ts';

const MAGIC = 0x53594554; // "SYET"
const VERSION = 7;

// Header words (Int32).
const H_MAGIC = 0, H_VERSION = 1, H_SLOTS = 2, H_PORTS = 3, H_AFF = 4, H_WORKERS = 7;
// H_STATE_EPOCH counts changes of any slot's usability (flags or generation): pickers keep the
// usable endpoints of a Service port compacted in a list they rebuild when it moves.
// H_UDP_FLOWS: live UDP flows across every worker, held under --max-udp-flows.
// H_FD_ROOM: file descriptors proxied connections (two each) and UDP flows (one each) may hold
// together: the descriptor budget's share less what the stored Services' listeners reserve,
// written by the main thread whenever that changes; negative = no limit.
export const H_GLOBAL_ACTIVE = 5, H_WEIGHT_EPOCH = 6, H_STATE_EPOCH = 8, H_UDP_FLOWS = 9, H_FD_ROOM = 10;
const HEADER_WORDS = 16;
// Slot state words (Int32, flags and generation), one per slot in a dense region of their own: it is
// what every pick reads first for every candidate it looks at, and 30,000 of them take 117 KiB.
// Inside the 16-byte slot records they would spread over 480 KiB, which with the pick's other data
// does not stay in this CPU's 512 KiB L2 (bench/README.md, pick cost).
// Slot words (Int32), 16-byte stride: what least-connections and the weighted picks read besides.
export const S_WEIGHT = 0, S_ACTIVE = 1, S_CONSEC_FAIL = 2, SLOT_WORDS = 4;
// Service-port words (Int32). P_ACTIVE: admitted TCP connections, or live flows of a UDP port.
export const P_CURSOR = 0, P_ACTIVE = 1, PORT_WORDS = 4;
// Affinity entry words (Int32): a seqlock word, the key (port index + 128-bit address), the value.
export const A_SEQ = 0, A_PORT = 1, A_ADDR = 2, A_SLOT = 6, A_GEN = 7, A_USED = 8, A_TIMEOUT = 9, AFF_WORDS = 10;

// 64-bit counter words (BigInt64), after the Int32 region: slots, then Service ports, then workers.
// Byte counters are 64-bit because an Int32 wraps after 2 GiB, minutes of bulk traffic. They are
// not updated per chunk: a worker adds each connection's bytes when it closes and, for open
// connections, the delta every second (metrics-worker-recorder.ts), so the hot path pays nothing.
// SL_HEALTH_SEEN: 0 = no flags written since the slot got its occupant, else 1 + last health (0/1),
// so the first flags write (the endpoint appearing) is not counted as a health transition.
// SL_TOTAL counts connections and UDP flows alike (both hold the slot's active count); the datagram
// words are added like bytes (per flow, at its end and every second), SL_ICMP_REFUSED per refusal.
export const SL_TOTAL = 0, SL_FAILS = 1, SL_BYTES_IN = 2, SL_BYTES_OUT = 3, SL_HEALTH_TRANSITIONS = 4, SL_HEALTH_SEEN = 5;
export const SL_DGRAMS_IN = 6, SL_DGRAMS_OUT = 7, SL_ICMP_REFUSED = 8, SLOT_LONGS = 9;

/** Upper bounds (seconds) of the connect-latency histogram buckets, +Inf implied (Prometheus `le`). */
export const CONNECT_SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Upper bounds (seconds) of the connection-duration histogram buckets, +Inf implied. */
export const DURATION_SECONDS_BUCKETS: readonly number[] = [0.005, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600];
// Histograms: one count per bucket (+Inf last, non-cumulative) then the sum in microseconds.
const CONNECT_HIST_LONGS = CONNECT_SECONDS_BUCKETS.length + 2;
const DURATION_HIST_LONGS = DURATION_SECONDS_BUCKETS.length + 2;
export const PL_TOTAL = 0, PL_BYTES_IN = 4, PL_BYTES_OUT = 5, PL_CONNECT_ERRORS = 6, PL_RETRIES = 7, PL_CONNECT_HIST = 8;
export const PL_DURATION_HIST = PL_CONNECT_HIST + CONNECT_HIST_LONGS;
/** Connections refused because this process could not connect out (EMFILE, ENOBUFS, no local port). */
export const PL_LOCAL_ERRORS = PL_DURATION_HIST + DURATION_HIST_LONGS;
// A UDP Service port's own words after the histograms (its PL_TOTAL counts flows created, its bytes
// and duration histogram are the words above): datagrams each way, flows ended by reason, datagrams
// dropped by cause.
export const PL_DGRAMS_IN = PL_LOCAL_ERRORS + 1, PL_DGRAMS_OUT = PL_DGRAMS_IN + 1;
const PL_FLOWS_ENDED = PL_DGRAMS_OUT + 1;
const PL_UDP_DROPS = PL_FLOWS_ENDED + 4;
/** Why a client datagram was dropped, in word order: no usable endpoint; --max-udp-flows reached;
 *  outside the source ranges; the upstream socket could not be opened or the send failed
 *  (EHOSTUNREACH, …); the worker is draining; this machine could not open the upstream socket or
 *  send (EMFILE, ENOBUFS, …: never held against the endpoint). */
export const UDP_DROP_CAUSES = ['noEndpoints', 'maxFlows', 'sourceRange', 'upstreamError', 'draining', 'localError'] as const;
export const PORT_LONGS = PL_UDP_DROPS + UDP_DROP_CAUSES.length;

export type RefusalCause = 'noEndpoints' | 'maxConnections' | 'sourceRange' | 'localError';
/** The Service-port long (PL_*) that counts each refusal cause. */
export const REFUSAL_WORD: Record<RefusalCause, number> = { noEndpoints: 1, maxConnections: 2, sourceRange: 3, localError: PL_LOCAL_ERRORS };

/** Why a UDP flow ended: idle timeout; its endpoint stopped being usable or left the Service port;
 *  the endpoint answered with ICMP port unreachable; its listener, Service port or worker closed. */
export type FlowEnd = 'idle' | 'endpoint' | 'refused' | 'closed';
export const FLOW_END_WORD: Record<FlowEnd, number> = {
  idle: PL_FLOWS_ENDED, endpoint: PL_FLOWS_ENDED + 1, refused: PL_FLOWS_ENDED + 2, closed: PL_FLOWS_ENDED + 3,
};
export type UdpDropCause = typeof UDP_DROP_CAUSES[number];
export const UDP_DROP_WORD = Object.fromEntries(UDP_DROP_CAUSES.map((c, i) => [c, PL_UDP_DROPS + i])) as Record<UdpDropCause, number>;

// Worker rows: each written by its own worker (counters, loop delay in ns) or by the main thread
// (restarts, the active count reset when a crashed worker's row is taken over).
export const W_TOTAL = 0, W_ACTIVE = 1, W_RESTARTS = 2, W_DELAY_P50 = 3, W_DELAY_P99 = 4, W_DELAY_MAX = 5, W_FLOWS = 6, W_FLOWS_TOTAL = 7, WORKER_LONGS = 8;

export interface EndpointTableSizes {
  maxSlots: number;
  maxServicePorts: number;
  /** ClientIP affinity entries; rounded up to a power of two (min 8). */
  affinityEntries: number;
  /** Rows of per-worker metrics (worker ids 0..maxWorkers-1); default 256. */
  maxWorkers?: number;
}

/** One table's sizes (from its header) and where each region starts: Int32 word indices for the
 *  first five bases, BigInt64 indices for the last two. */
export interface TableGeometry {
  maxSlots: number;
  maxServicePorts: number;
  affinityCapacity: number;
  maxWorkers: number;
  intWords: number;
  longWords: number;
  stateBase: number;
  slotBase: number;
  portBase: number;
  affBase: number;
  portLongBase: number;
  workerLongBase: number;
}

function geometry(maxSlots: number, maxServicePorts: number, affinityCapacity: number, maxWorkers: number): TableGeometry {
  const stateBase = HEADER_WORDS;
  // Slot records start on a 16-byte boundary, so none straddles a cache line.
  const slotBase = stateBase + Math.ceil(maxSlots / 4) * 4;
  const portBase = slotBase + maxSlots * SLOT_WORDS;
  const affBase = portBase + maxServicePorts * PORT_WORDS;
  let intWords = affBase + affinityCapacity * AFF_WORDS;
  if (intWords & 1) intWords++; // BigInt64Array needs an 8-byte aligned offset
  const portLongBase = maxSlots * SLOT_LONGS;
  const workerLongBase = portLongBase + maxServicePorts * PORT_LONGS;
  const longWords = workerLongBase + maxWorkers * WORKER_LONGS;
  return { maxSlots, maxServicePorts, affinityCapacity, maxWorkers, intWords, longWords, stateBase, slotBase, portBase, affBase, portLongBase, workerLongBase };
}

function checkSize(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new ApiError(400, 'BadRequest', 'SY_TABLE_SIZE', `endpoint table ${name} must be an integer between 1 and ${max}, got ${v}`);
  }
}

/** Main thread: a zeroed buffer of the right size with its header written. */
export function allocateEndpointTable(sizes: EndpointTableSizes): SharedArrayBuffer {
  checkSize('maxSlots', sizes.maxSlots, 1 << 22);
  checkSize('maxServicePorts', sizes.maxServicePorts, 1 << 20);
  checkSize('affinityEntries', sizes.affinityEntries, 1 << 24);
  const workers = sizes.maxWorkers ?? 256;
  checkSize('maxWorkers', workers, 4096);
  let aff = 8;
  while (aff < sizes.affinityEntries) aff *= 2;
  const g = geometry(sizes.maxSlots, sizes.maxServicePorts, aff, workers);
  const buffer = new SharedArrayBuffer(g.intWords * 4 + g.longWords * 8);
  const head = new Int32Array(buffer, 0, HEADER_WORDS);
  // Plain writes are fine: no other thread has the buffer before it is posted.
  head[H_SLOTS] = sizes.maxSlots;
  head[H_PORTS] = sizes.maxServicePorts;
  head[H_AFF] = aff;
  head[H_WORKERS] = workers;
  head[H_FD_ROOM] = -1;
  head[H_VERSION] = VERSION;
  head[H_MAGIC] = MAGIC;
  return buffer;
}

/** Any thread: check that `buffer` is a table of this version and return its geometry. Plain reads:
 *  the header is written once, before the buffer is posted, and postMessage publishes it. */
export function readTableHeader(buffer: SharedArrayBuffer): TableGeometry {
  const head = new Int32Array(buffer, 0, HEADER_WORDS);
  if (head[H_MAGIC] !== MAGIC || head[H_VERSION] !== VERSION) {
    throw new ApiError(500, 'InternalError', 'SY_TABLE_LAYOUT', 'buffer is not a switchyard endpoint table of this version; attach only the buffer createEndpointTable returned');
  }
  return geometry(head[H_SLOTS], head[H_PORTS], head[H_AFF], head[H_WORKERS]);
}
