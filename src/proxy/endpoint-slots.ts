// Main thread: assigns endpoint-table slots to backends and Service ports to table regions.
// One slot per backend identity (ip:port), shared by every Service port that targets it, so its
// active count is that backend's load whatever Service the connections came through.
// Lifecycle of a slot: allocated → referenced by ≥1 Service port → unreferenced: DRAINING (no new
// picks, established connections continue) → freed by sweep() once its active count is zero
// (generation bumped, so stale snapshots and affinity entries stop naming it) → reused only once no
// never-used slot is left, oldest freed first.
// Memory ordering: flags and weight are written with the table's Atomics before update() returns
// the snapshot; the caller posts it afterwards, and postMessage orders those writes before the
// worker's reads.
import { ApiError, badRequest } from '../model/api-error.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { DRAINING, READY, SERVING, TERMINATING } from '../shared/slot-state.ts';
import type { EndpointSnapshot } from '../shared/messages.ts';

export interface DesiredEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** 0..65535; 0 = backup (picked only when no positive-weight endpoint is usable). */
  weight: number;
  name: string;
}

export const MAX_WEIGHT = 65535;
const CONDITIONS = READY | SERVING | TERMINATING;

interface SlotInfo { slot: number; key: string; refs: Set<number> }

const identity = (ip: string, port: number): string => `${ip}|${port}`;

export class EndpointSlots {
  readonly table: EndpointTable;
  private readonly byKey = new Map<string, SlotInfo>();
  private readonly bySlot: (SlotInfo | undefined)[] = [];
  private readonly portSlots = new Map<number, Set<number>>();
  private readonly draining = new Set<number>();
  private freeSlots: number[] = [];
  private freeHead = 0;
  private nextSlot = 0;
  private readonly freePorts: number[] = [];
  private nextPort = 0;

  constructor(table: EndpointTable) { this.table = table; }

  /** Region for a new Service port (cursor, counters). Throws SY_TABLE_FULL. */
  allocServicePort(): number {
    const index = this.freePorts.length ? this.freePorts.shift()! : this.nextPort < this.table.maxServicePorts ? this.nextPort++ : -1;
    if (index < 0) throw tableFull(`all ${this.table.maxServicePorts} Service port regions are in use`);
    this.table.resetServicePort(index);
    this.portSlots.set(index, new Set());
    return index;
  }

  /** Drops the port's endpoints (they drain) and returns its region to the pool. Call after the
   *  workers have been told to removeServicePort. */
  freeServicePort(index: number): void {
    if (!this.portSlots.has(index)) return;
    this.update(index, []);
    this.portSlots.delete(index);
    this.table.forgetAffinity(index);
    this.freePorts.push(index);
  }

  /**
   * Make `desired` the endpoints of Service port `index` and return its snapshot endpoints (one per
   * ip:port; a non-terminating duplicate wins). Validates everything before changing anything.
   */
  update(index: number, desired: readonly DesiredEndpoint[]): EndpointSnapshot[] {
    const old = this.portSlots.get(index);
    if (!old) throw badRequest('SY_UNKNOWN_SERVICE_PORT', `Service port region ${index} is not allocated; call allocServicePort() first`);
    const chosen = new Map<string, DesiredEndpoint>();
    for (const d of desired) {
      if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > MAX_WEIGHT) {
        throw badRequest('SY_INVALID_WEIGHT', `endpoint ${d.name} (${d.ip}:${d.port}): weight ${d.weight} must be an integer between 0 and ${MAX_WEIGHT}`);
      }
      const key = identity(d.ip, d.port);
      const prev = chosen.get(key);
      if (!prev || (prev.terminating && !d.terminating)) chosen.set(key, d);
    }
    let needed = 0;
    for (const key of chosen.keys()) if (!this.byKey.has(key)) needed++;
    const available = this.table.maxSlots - this.nextSlot + this.freeSlots.length - this.freeHead;
    if (needed > available) {
      throw tableFull(`${needed} new endpoints need slots but only ${available} of ${this.table.maxSlots} are free (the rest are in use or draining)`);
    }

    const now = new Set<number>();
    const out: EndpointSnapshot[] = [];
    for (const [key, d] of chosen) {
      const info = this.byKey.get(key) ?? this.allocSlot(key);
      info.refs.add(index);
      this.draining.delete(info.slot);
      this.table.setWeight(info.slot, d.weight);
      const set = (d.ready ? READY : 0) | (d.serving ? SERVING : 0) | (d.terminating ? TERMINATING : 0);
      this.table.updateFlags(info.slot, set, CONDITIONS | DRAINING);
      now.add(info.slot);
      out.push({ slot: info.slot, host: d.ip, port: d.port, name: d.name });
    }
    for (const slot of old) {
      if (now.has(slot)) continue;
      const info = this.bySlot[slot]!;
      info.refs.delete(index);
      if (info.refs.size === 0) {
        this.table.updateFlags(slot, DRAINING, 0);
        this.draining.add(slot);
      }
    }
    this.portSlots.set(index, now);
    return out;
  }

  /** For the health loop and admin actions (EJECTED, ADMIN_DOWN, READY…). false if no such backend. */
  setFlags(ip: string, port: number, set: number, clear: number): boolean {
    const info = this.byKey.get(identity(ip, port));
    if (!info) return false;
    this.table.updateFlags(info.slot, set, clear);
    return true;
  }

  slotOf(ip: string, port: number): number | undefined { return this.byKey.get(identity(ip, port))?.slot; }

  /** Slots that no Service port references and that still carry connections. */
  drainingSlots(): number[] { return [...this.draining]; }

  /** Frees drained slots (active count zero); returns how many. Call periodically on the main thread. */
  sweep(): number {
    let freed = 0;
    for (const slot of this.draining) {
      // SC load of the count workers Atomics.add; a worker that picked the slot just before it was
      // marked DRAINING may still open a connection on it after this — it connects to the old
      // backend from its old snapshot, and its +1/−1 lands on the retired slot's counter.
      if (this.table.activeOrdered(slot) !== 0) continue;
      const info = this.bySlot[slot]!;
      this.table.retireSlot(slot);
      this.byKey.delete(info.key);
      this.bySlot[slot] = undefined;
      this.draining.delete(slot);
      this.freeSlots.push(slot);
      freed++;
    }
    if (this.freeHead > 1024 && this.freeHead * 2 > this.freeSlots.length) {
      this.freeSlots = this.freeSlots.slice(this.freeHead);
      this.freeHead = 0;
    }
    return freed;
  }

  private allocSlot(key: string): SlotInfo {
    // Never-used slots first, then freed ones oldest first: the longer a freed slot rests, the surer
    // every worker has installed the snapshots that dropped it.
    const slot = this.nextSlot < this.table.maxSlots ? this.nextSlot++ : this.freeSlots[this.freeHead++];
    this.table.resetSlotCounters(slot);
    const info: SlotInfo = { slot, key, refs: new Set() };
    this.byKey.set(key, info);
    this.bySlot[slot] = info;
    return info;
  }
}

function tableFull(why: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', 'SY_TABLE_FULL',
    `endpoint table is full: ${why}; remove endpoints or Services, wait for draining connections to close, or restart with a larger table`);
}

export function createEndpointSlots(table: EndpointTable): EndpointSlots {
  return new EndpointSlots(table);
}
