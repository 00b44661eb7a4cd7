// The per-worker ledger: what one data-plane worker holds in the shared table's active counts, in a
// small SharedArrayBuffer of its own (laid out here; it is not part of the endpoint table's buffer).
// A worker that dies never runs its connections' closed()/release(), so its share of the slot, Service
// port and global active counts would stay in the table for good (skewing least-connections and
// max-connections, and keeping DRAINING slots from being freed). Each worker therefore mirrors its
// own share in a private SharedArrayBuffer that the pool keeps; when the pool sees the worker dead
// it subtracts the ledger (EndpointTable.releaseHeld). Worker side order: increments go to the table
// first and the ledger second, decrements the other way round, so a worker killed between the two
// leaves the table at most one too high, never too low (a slot freed under a live connection).
import { ApiError } from '../model/api-error.ts';
import type { EndpointTable } from './endpoint-table.ts';

const L_MAGIC = 0x5359574c; // "SYWL"
const L_HEAD_MAGIC = 0, L_HEAD_SLOTS = 1, L_HEAD_PORTS = 2, L_HEAD_GLOBAL = 3, L_HEAD_UDP_FLOWS = 4, L_HEAD_WORDS = 8;

export class WorkerLedger {
  readonly buffer: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly slots: number;
  private readonly ports: number;

  constructor(buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer);
    if (this.i32[L_HEAD_MAGIC] !== L_MAGIC) {
      throw new ApiError(500, 'InternalError', 'SY_TABLE_LAYOUT', 'buffer is not a switchyard worker ledger; attach only the buffer createWorkerLedger returned');
    }
    this.buffer = buffer;
    this.slots = this.i32[L_HEAD_SLOTS];
    this.ports = this.i32[L_HEAD_PORTS];
  }

  // Worker thread (the only writer). Atomics.add/sub (SC): the main thread reads the words only after
  // the worker died, and SC operations leave nothing for it to read stale.
  slotOpened(slot: number): void { Atomics.add(this.i32, L_HEAD_WORDS + slot, 1); }
  slotClosed(slot: number): void { Atomics.sub(this.i32, L_HEAD_WORDS + slot, 1); }
  admitted(port: number): void {
    Atomics.add(this.i32, L_HEAD_WORDS + this.slots + port, 1);
    Atomics.add(this.i32, L_HEAD_GLOBAL, 1);
  }
  released(port: number): void {
    Atomics.sub(this.i32, L_HEAD_GLOBAL, 1);
    Atomics.sub(this.i32, L_HEAD_WORDS + this.slots + port, 1);
  }
  /** A UDP flow holds its Service port's live-flow count and the global one (--max-udp-flows). */
  flowAdmitted(port: number): void {
    Atomics.add(this.i32, L_HEAD_WORDS + this.slots + port, 1);
    Atomics.add(this.i32, L_HEAD_UDP_FLOWS, 1);
  }
  flowReleased(port: number): void {
    Atomics.sub(this.i32, L_HEAD_UDP_FLOWS, 1);
    Atomics.sub(this.i32, L_HEAD_WORDS + this.slots + port, 1);
  }
  /** Live UDP flows this worker holds (SC load). */
  flowsHeld(): number { return Atomics.load(this.i32, L_HEAD_UDP_FLOWS); }
  /** Admitted connections this worker holds (SC load; diagnostics and tests). */
  held(): number { return Atomics.load(this.i32, L_HEAD_GLOBAL); }

  /** Main thread, once the worker is dead: subtract everything it held from `table`, zero the ledger,
   *  and return how many admitted connections and UDP flows that was. */
  releaseInto(table: EndpointTable): { connections: number; flows: number } {
    for (let s = 0; s < this.slots; s++) {
      const n = Atomics.exchange(this.i32, L_HEAD_WORDS + s, 0);
      if (n > 0) table.releaseHeld('slot', s, n);
    }
    for (let p = 0; p < this.ports; p++) {
      const n = Atomics.exchange(this.i32, L_HEAD_WORDS + this.slots + p, 0);
      if (n > 0) table.releaseHeld('port', p, n);
    }
    const global = Atomics.exchange(this.i32, L_HEAD_GLOBAL, 0);
    if (global > 0) table.releaseHeld('global', 0, global);
    const flows = Atomics.exchange(this.i32, L_HEAD_UDP_FLOWS, 0);
    if (flows > 0) table.releaseHeld('udpFlows', 0, flows);
    return { connections: Math.max(0, global), flows: Math.max(0, flows) };
  }
}

/** Main thread: a zeroed ledger sized for `table`, one per worker thread (a replacement gets a new one). */
export function createWorkerLedger(table: EndpointTable): WorkerLedger {
  const buffer = new SharedArrayBuffer((L_HEAD_WORDS + table.maxSlots + table.maxServicePorts) * 4);
  const head = new Int32Array(buffer, 0, L_HEAD_WORDS);
  // Plain writes: no other thread has the buffer yet; postMessage publishes them.
  head[L_HEAD_SLOTS] = table.maxSlots;
  head[L_HEAD_PORTS] = table.maxServicePorts;
  head[L_HEAD_MAGIC] = L_MAGIC;
  return new WorkerLedger(buffer);
}

/** Worker thread: view the ledger the pool created for this worker. */
export function attachWorkerLedger(buffer: SharedArrayBuffer): WorkerLedger {
  return new WorkerLedger(buffer);
}
