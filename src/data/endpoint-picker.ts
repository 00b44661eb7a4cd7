// Endpoint selection for a data-plane worker (and the main thread in tests): the EndpointPicker
// contract over the shared endpoint table. Snapshots arrive as messages and are installed whole;
// all live state (flags, counts, cursors, affinity) is read and written through the table's Atomics,
// so least-connections, max-connections and ClientIP affinity are global across workers.
import { ApiError } from '../model/api-error.ts';
import { getBalancer } from '../balancers/registry.ts';
import type { Balancer } from '../balancers/balancer.ts';
import { clientAddressHash, parseClientAddress } from '../balancers/client-address.ts';
import { TablePickContext } from '../balancers/table-pick-context.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { stateGeneration } from '../shared/slot-state.ts';
import type { EndpointPicker, PickResult } from '../shared/endpoint-picker-api.ts';
import type { ServicePortSnapshot } from '../shared/messages.ts';

export interface EndpointPickerOptions {
  /** Uniform [0, 1); default Math.random. */
  random?: () => number;
  /** Wall-clock seconds for affinity timestamps; default Date.now() / 1000. */
  nowSeconds?: () => number;
}

interface PortState {
  snapshot: ServicePortSnapshot;
  ctx: TablePickContext;
  balancer: Balancer;
  /** Frozen per endpoint, returned by pick() without allocating. */
  results: PickResult[];
  indexOfSlot: Map<number, number>;
  /** Key of the port's affinity entries (options.affinityKey, else its index). */
  affinityKey: number;
  /** With affinity: the first candidate per endpoint IP, to follow an entry another Service port of
   *  the same affinity key wrote (its slot is ip:otherPort, or the same ip:port of the other protocol). */
  indexOfHost: Map<string, number> | null;
}

const NONE: readonly number[] = [];

class TableEndpointPicker implements EndpointPicker {
  private readonly table: EndpointTable;
  private readonly random: () => number;
  private readonly nowSeconds: () => number;
  private readonly ports: (PortState | undefined)[] = [];
  private readonly addr = new Int32Array(4);
  /** The host of every slot some installed snapshot names (affinity entries followed across ports). */
  private readonly hostOfSlot: string[] = [];

  constructor(table: EndpointTable, opts: EndpointPickerOptions) {
    this.table = table;
    this.random = opts.random ?? Math.random;
    this.nowSeconds = opts.nowSeconds ?? (() => Date.now() / 1000);
  }

  setServicePort(snapshot: ServicePortSnapshot): void {
    if (!Number.isInteger(snapshot.index) || snapshot.index < 0 || snapshot.index >= this.table.maxServicePorts) {
      throw new ApiError(500, 'InternalError', 'SY_TABLE_LAYOUT', `Service port index ${snapshot.index} is outside the endpoint table (0..${this.table.maxServicePorts - 1})`);
    }
    const balancer = getBalancer(snapshot.options.algorithm);
    const slots = snapshot.endpoints.map((e) => e.slot);
    let indexOfHost: Map<string, number> | null = null;
    if (snapshot.options.affinitySeconds > 0) {
      indexOfHost = new Map();
      snapshot.endpoints.forEach((e, i) => { if (!indexOfHost!.has(e.host)) indexOfHost!.set(e.host, i); });
    }
    for (const e of snapshot.endpoints) this.hostOfSlot[e.slot] = e.host;
    this.ports[snapshot.index] = {
      snapshot,
      ctx: new TablePickContext(this.table, snapshot.index, slots, this.random, snapshot.endpoints.map((e) => `${e.host}:${e.port}`)),
      balancer,
      results: snapshot.endpoints.map((e) => Object.freeze({ slot: e.slot, host: e.host, port: e.port, name: e.name })),
      indexOfSlot: new Map(slots.map((s, i) => [s, i])),
      affinityKey: snapshot.options.affinityKey ?? snapshot.index,
      indexOfHost,
    };
  }

  removeServicePort(index: number): void { this.ports[index] = undefined; }

  servicePort(index: number): ServicePortSnapshot | undefined { return this.ports[index]?.snapshot; }

  pick(servicePortIndex: number, clientIp: string, tried: readonly number[]): PickResult | null {
    const st = this.ports[servicePortIndex];
    if (!st) return null;
    if (st.balancer.hashesClient) {
      // The hash is the affinity, the same on every instance: no per-instance table to consult.
      st.ctx.setClientHash(parseClientAddress(clientIp, this.addr) ? clientAddressHash(this.addr) : 0);
      const j = this.choose(st, tried);
      if (j < 0 && tried.length === 0) this.table.countRefusal(servicePortIndex, 'noEndpoints');
      return j < 0 ? null : st.results[j];
    }
    const timeout = st.snapshot.options.affinitySeconds;
    const sticky = timeout > 0 && parseClientAddress(clientIp, this.addr);
    const now = sticky ? Math.floor(this.nowSeconds()) : 0;
    let i = -1;
    let fresh = false;
    if (sticky) {
      const hit = this.table.lookupAffinity(st.affinityKey, this.addr, now, timeout);
      if (hit) {
        let at = st.indexOfSlot.get(hit.slot);
        if (at !== undefined) {
          if (st.ctx.generationAt(at) !== hit.generation) at = undefined;
        } else if (stateGeneration(this.table.slotState(hit.slot)) === hit.generation) {
          // Written through another Service port of the same key: the same backend IP here, if any.
          const host = this.hostOfSlot[hit.slot];
          at = host === undefined ? undefined : st.indexOfHost?.get(host);
        }
        if (at !== undefined && this.usableNow(st, at, tried)) {
          i = at;
          fresh = hit.lastUsed === now && st.ctx.slotAt(at) === hit.slot;
        }
      }
    }
    if (i < 0) i = this.choose(st, tried);
    if (i < 0) {
      if (tried.length === 0) this.table.countRefusal(servicePortIndex, 'noEndpoints');
      return null;
    }
    // Every new connection (re)sets the entry's time, as iptables' `recent --set` does; with
    // one-second resolution a hit already stamped this second needs no write.
    if (sticky && !fresh) this.table.rememberAffinity(st.affinityKey, this.addr, st.ctx.slotAt(i), st.ctx.generationAt(i), now, timeout);
    return st.results[i];
  }

  hasUsable(servicePortIndex: number): boolean {
    const st = this.ports[servicePortIndex];
    if (!st || st.ctx.count === 0) return false;
    return this.anyUsable(st, false) || this.anyUsable(st, true);
  }

  opened(servicePortIndex: number, slot: number): void {
    this.table.slotOpened(slot);
    this.table.countPortConnection(servicePortIndex);
  }

  closed(_servicePortIndex: number, slot: number): void { this.table.slotClosed(slot); }

  connectFailed(slot: number): void { this.table.connectFailed(slot); }

  icmpRefused(slot: number, failure: boolean): void { this.table.icmpRefused(slot, failure); }

  flowUsable(servicePortIndex: number, slot: number): boolean {
    const st = this.ports[servicePortIndex];
    if (st === undefined) return false;
    const i = st.indexOfSlot.get(slot);
    return i !== undefined && this.usableNow(st, i, NONE);
  }

  tryAdmitFlow(servicePortIndex: number, maxFlows: number): boolean {
    if (!this.table.tryAddUdpFlow(maxFlows)) return false;
    this.table.addPortActive(servicePortIndex, 1);
    return true;
  }

  releaseFlow(servicePortIndex: number): void {
    this.table.addPortActive(servicePortIndex, -1);
    this.table.addUdpFlows(-1);
  }

  connectSucceeded(slot: number): void { this.table.connectSucceeded(slot); }

  tryAdmit(servicePortIndex: number, globalMax: number): 'ok' | 'global' | 'service' {
    if (!this.table.tryAddGlobalActive(globalMax)) {
      this.table.countRefusal(servicePortIndex, 'maxConnections');
      return 'global';
    }
    const max = this.ports[servicePortIndex]?.snapshot.options.maxConnections ?? 0;
    if (!this.table.tryAddPortActive(servicePortIndex, max)) {
      this.table.addGlobalActive(-1);
      this.table.countRefusal(servicePortIndex, 'maxConnections');
      return 'service';
    }
    return 'ok';
  }

  release(servicePortIndex: number): void {
    this.table.addPortActive(servicePortIndex, -1);
    this.table.addGlobalActive(-1);
  }

  /** Ready endpoints first; serving-and-terminating ones only when no endpoint is ready at all
   *  (even one already tried: a retry never widens the set to terminating endpoints). */
  private choose(st: PortState, tried: readonly number[]): number {
    st.ctx.begin(tried, false);
    const i = st.balancer.pick(st.ctx);
    if (i >= 0) return i;
    if (tried.length > 0 && this.anyUsable(st, false)) return -1;
    st.ctx.begin(tried, true);
    return st.balancer.pick(st.ctx);
  }

  private usableNow(st: PortState, i: number, tried: readonly number[]): boolean {
    st.ctx.begin(tried, false);
    if (st.ctx.usable(i)) return true;
    if (this.anyUsable(st, false)) return false;
    st.ctx.begin(tried, true);
    return st.ctx.usable(i);
  }

  /** O(1): the size of the compacted usable list (rebuilt only when some slot's state changed). */
  private anyUsable(st: PortState, fallback: boolean): boolean {
    st.ctx.begin(NONE, fallback);
    return st.ctx.count > 0 && st.ctx.usableCount() > 0;
  }
}

export function createEndpointPicker(table: EndpointTable, opts: EndpointPickerOptions = {}): EndpointPicker {
  return new TableEndpointPicker(table, opts);
}
