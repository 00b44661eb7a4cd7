// Passive health checking, modelled on Envoy's outlier detection (consecutive gateway failures):
// the data plane counts connect failures per endpoint slot in the shared table (workers
// Atomics.add; a successful connect resets the consecutive count); this module reads those
// counters on a timer — no message per connection — and ejects an endpoint (EJECTED flag) after
// `consecutiveFailures` in a row. The ejection lasts base × (number of ejections), capped at max;
// the count decays by one per base period the endpoint stays in. An active probe that covers the
// endpoint brings it back (Envoy's successful_active_health_check_uneject_host) on its first
// success after the time is up — or at once when the probe itself failed during the ejection and
// now succeeds: the probe saw the backend die and come back (an nginx restarted on its port), so
// waiting out the back-off would only keep a healthy backend idle. A probe that never failed (say
// one on another port) does not shorten the ejection. An endpoint no active probe covers returns
// when its time is up. The same flag carries active-probe failures of manual endpoints (setActiveDown),
// since those have no Pod whose readiness could change. Main thread.
//
// Memory ordering: counters are read with the table's SC Atomics loads; a read racing a worker's
// increment sees the count just before or after it, which only shifts an ejection by one tick.
// Flags are changed with the table's CAS loop, so a concurrent flag change by another main-thread
// path (slot updates) is never lost.
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { EJECTED } from '../shared/slot-state.ts';

export interface EjectionOptions {
  enabled: boolean;
  /** Consecutive connect failures that eject an endpoint (Envoy consecutive_gateway_failure: 5). */
  consecutiveFailures: number;
  /** How often the counters are read: also how soon a connect failure sets off a fast probe. */
  intervalMs: number;
  /** First ejection time; the n-th lasts n × this (Envoy base_ejection_time: 30 s). */
  baseEjectionMs: number;
  /** Cap of one ejection (Envoy max_ejection_time: 300 s). */
  maxEjectionMs: number;
}

export const EJECTION_DEFAULTS: EjectionOptions = {
  enabled: true, consecutiveFailures: 5, intervalMs: 500, baseEjectionMs: 30_000, maxEjectionMs: 300_000,
};

/** What the ejector needs of src/proxy/endpoint-slots.ts. */
export interface EjectorSlots {
  readonly table: EndpointTable;
  slotOf(ip: string, port: number): number | undefined;
  setFlags(ip: string, port: number, set: number, clear: number): boolean;
}

export interface EjectionChange {
  ip: string;
  port: number;
  ejected: boolean;
  /** Consecutive connect failures that caused an ejection. */
  failures?: number;
  /** How long this ejection lasts at least. */
  durationMs?: number;
}

interface Backend {
  ip: string;
  port: number;
  slot: number | undefined;
  /** Total connect failures when counting (re)started: failures before it do not count again. */
  baseline: number;
  ejections: number;
  ejected: boolean;
  ejectedUntil: number;
  calmSince: number;
  activeDown: boolean;
  /** An active probe failed since this ejection began. */
  probeFailed: boolean;
  /** Total connect failures at the previous tick (new ones since are reported to onFailure). */
  seen: number;
}

const keyOf = (ip: string, port: number) => `${ip}|${port}`;

export class PassiveEjector {
  private readonly slots: EjectorSlots;
  private readonly o: EjectionOptions;
  private readonly backends = new Map<string, Backend>();

  constructor(slots: EjectorSlots, options: Partial<EjectionOptions> = {}) {
    this.slots = slots;
    this.o = { ...EJECTION_DEFAULTS, ...options };
  }

  get options(): Readonly<EjectionOptions> { return this.o; }

  /** The endpoints to watch: every backend some Service port sends traffic to. */
  setBackends(list: Iterable<{ ip: string; port: number }>, now: number): void {
    const wanted = new Set<string>();
    for (const { ip, port } of list) {
      const k = keyOf(ip, port);
      wanted.add(k);
      if (!this.backends.has(k)) this.backends.set(k, newBackend(ip, port, now));
    }
    for (const [k, b] of this.backends) {
      if (wanted.has(k)) continue;
      this.backends.delete(k);
      // Gone from every Service: do not leave the flag behind for a backend that comes back.
      if (b.ejected || b.activeDown) this.slots.setFlags(b.ip, b.port, 0, EJECTED);
    }
  }

  isEjected(ip: string, port: number): boolean { return this.backends.get(keyOf(ip, port))?.ejected ?? false; }

  /** Active-probe state of a manual endpoint: down keeps it out of rotation like an ejection. */
  setActiveDown(ip: string, port: number, down: boolean, now: number): void {
    let b = this.backends.get(keyOf(ip, port));
    if (!b) this.backends.set(keyOf(ip, port), b = newBackend(ip, port, now));
    b.activeDown = down;
    this.applyFlag(b);
  }

  /** An active probe covering ip:port failed: its next success ends the ejection early. */
  probeFailed(ip: string, port: number): void {
    const b = this.backends.get(keyOf(ip, port));
    if (b?.ejected) b.probeFailed = true;
  }

  /** An active probe covering ip:port succeeded: ends an ejection whose time is up, or that the probe saw fail. */
  probeSucceeded(ip: string, port: number, now: number): EjectionChange | undefined {
    const b = this.backends.get(keyOf(ip, port));
    if (!b || !b.ejected || (now < b.ejectedUntil && !b.probeFailed)) return undefined;
    return this.uneject(b, now);
  }

  /** Reads the counters, ejects and (for endpoints no active probe covers) un-ejects; calls
   *  `onFailure` for each backend with connect failures since the previous tick. */
  tick(now: number, coveredByProbe: (ip: string, port: number) => boolean, onFailure?: (ip: string, port: number) => void): EjectionChange[] {
    const changes: EjectionChange[] = [];
    const table = this.slots.table;
    for (const b of this.backends.values()) {
      const slot = this.slots.slotOf(b.ip, b.port);
      if (slot === undefined) { b.slot = undefined; continue; }
      // A new slot has fresh counters (endpoint-slots resets them on allocation).
      if (slot !== b.slot) { b.slot = slot; b.baseline = 0; b.seen = 0; }
      const total = table.totalConnectFailures(slot);
      if (total > b.seen) {
        b.seen = total;
        onFailure?.(b.ip, b.port);
      }
      // The consecutive count is only reset by a successful connect, and an ejected endpoint gets
      // none; so count only failures since the baseline, and only as many as are consecutive.
      const failures = Math.min(table.consecutiveFailures(slot), total - b.baseline);
      if (!b.ejected) {
        if (this.o.enabled && failures >= this.o.consecutiveFailures) {
          b.ejections++;
          const durationMs = Math.min(this.o.baseEjectionMs * b.ejections, this.o.maxEjectionMs);
          b.ejected = true;
          b.probeFailed = false;
          b.ejectedUntil = now + durationMs;
          b.baseline = total;
          changes.push({ ip: b.ip, port: b.port, ejected: true, failures, durationMs });
        } else if (b.ejections > 0 && now - b.calmSince >= this.o.baseEjectionMs) {
          b.ejections--;
          b.calmSince = now;
        }
      } else if (now >= b.ejectedUntil && !coveredByProbe(b.ip, b.port)) {
        const c = this.uneject(b, now);
        if (c) changes.push(c);
        continue;
      }
      // Also repairs the flag if the slot was freed and reallocated under the same ip:port.
      this.applyFlag(b);
    }
    return changes;
  }

  private uneject(b: Backend, now: number): EjectionChange {
    b.ejected = false;
    b.ejectedUntil = 0;
    b.calmSince = now;
    if (b.slot !== undefined) b.baseline = this.slots.table.totalConnectFailures(b.slot);
    this.applyFlag(b);
    return { ip: b.ip, port: b.port, ejected: false };
  }

  private applyFlag(b: Backend): void {
    const slot = this.slots.slotOf(b.ip, b.port);
    if (slot === undefined) return;
    const want = b.ejected || b.activeDown;
    const has = (this.slots.table.flags(slot) & EJECTED) !== 0;
    if (want !== has) this.slots.setFlags(b.ip, b.port, want ? EJECTED : 0, want ? 0 : EJECTED);
  }
}

function newBackend(ip: string, port: number, now: number): Backend {
  return { ip, port, slot: undefined, baseline: 0, ejections: 0, ejected: false, ejectedUntil: 0, calmSince: now, activeDown: false, probeFailed: false, seen: 0 };
}
