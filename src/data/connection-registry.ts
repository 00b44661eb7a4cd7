// The live connections of one data-plane worker, indexed by (Service port, endpoint slot), so that
// an endpoint that leaves its Service port's snapshot, or the whole worker, can be drained:
// connections keep running until they finish or the drain timeout closes them. Worker thread only.
// Connections still connecting (slot HANDSHAKE) are registered too, so that a worker drain neither
// resolves while one is about to be established nor leaves it running after the worker's task ended.
import type { Clock } from '../model/clock.ts';
import type { SpliceEnd } from './splice-types.ts';
import { threadClock } from './thread-clock.ts';

/** The `slot` of a connection that has not reached a backend yet. */
export const HANDSHAKE = -1;

export interface LiveConnection {
  servicePortIndex: number;
  slot: number;
  close(reason: SpliceEnd): void;
}

export interface ConnectionRegistry {
  readonly size: number;
  add(conn: LiveConnection): void;
  delete(conn: LiveConnection): void;
  /** `conn` (registered) now counts under its current `slot`: a connection that was handshaking
   *  reached its endpoint. The size does not change, so a drain waiting for zero cannot see it
   *  gone in between. */
  move(conn: LiveConnection): void;
  /**
   * Connections of `servicePortIndex` on a slot outside `keep` (null: every slot) get `timeoutMs` to
   * finish; a slot in `keep` whose drain is still pending is back in the snapshot, so its drain is
   * cancelled. Handshaking connections are left alone. Returns how many connections now drain.
   */
  drainSlots(servicePortIndex: number, keep: ReadonlySet<number> | null, timeoutMs: number): number;
  /** The Service port is gone for good (its region may be reused by another Service port): every
   *  connection of it gets `timeoutMs` to finish, and no later snapshot cancels that. */
  drainServicePort(servicePortIndex: number, timeoutMs: number): number;
  /** Every connection, including any registered later, gets `timeoutMs` to finish; resolves when
   *  none is left. */
  drainAll(timeoutMs: number): Promise<void>;
}

/** The connections of one (Service port, slot), and the timer that will cut them if it is draining. */
interface Group { conns: Set<LiveConnection>; timer: unknown; port: number; slot: number }

// The group a connection was added to, kept on the connection: its `slot` may change (move) before
// it leaves, and delete must find where it is, not where its slot now points.
const kGroup = Symbol('switchyard.registryGroup');
type Member = LiveConnection & { [kGroup]?: Group | null };

/** Drain timeouts run on `clock`: the thread's, whose timers are unref'd (a pending drain alone must
 *  not keep a worker alive that was told to exit), or a test's manual one. */
export function createConnectionRegistry(clock: Clock = threadClock): ConnectionRegistry {
  const byPort = new Map<number, Map<number, Group>>();
  // Connections of removed Service ports: keyed by nothing that a later snapshot could name again.
  const orphans = new Set<LiveConnection>();
  let size = 0;
  let emptyWaiters: (() => void)[] = [];
  // Set once drainAll's timeout has passed: a connection registered after that is cut at once.
  let cutAll = false;

  const cut = (conns: Iterable<LiveConnection>) => { for (const c of [...conns]) c.close('drained'); };
  const later = (fn: () => void, timeoutMs: number) => clock.setTimeout(fn, timeoutMs);

  const forEach = (fn: (c: LiveConnection) => void) => {
    for (const slots of byPort.values()) for (const g of slots.values()) for (const c of g.conns) fn(c);
    for (const c of orphans) fn(c);
  };

  const drainGroup = (g: Group, timeoutMs: number) => {
    if (timeoutMs <= 0) { cut(g.conns); return; }
    // A connection added to the group while its timer runs (a straggler that picked the slot from
    // an older snapshot) is cut with the others: the set is read when the timer fires.
    g.timer ??= later(() => { g.timer = null; cut(g.conns); }, timeoutMs);
  };

  const settled = () => {
    if (size !== 0 || emptyWaiters.length === 0) return;
    const waiters = emptyWaiters;
    emptyWaiters = [];
    for (const w of waiters) w();
  };

  const groupOf = (conn: LiveConnection): Group => {
    let slots = byPort.get(conn.servicePortIndex);
    if (!slots) byPort.set(conn.servicePortIndex, (slots = new Map()));
    let g = slots.get(conn.slot);
    if (!g) slots.set(conn.slot, (g = { conns: new Set(), timer: null, port: conn.servicePortIndex, slot: conn.slot }));
    return g;
  };

  /** Takes `conn` out of its group. An empty group that was draining goes (its timer with it);
   *  an idle one stays for the slot's next connection, until a drain or the port's removal. */
  const leave = (conn: Member): boolean => {
    const g = conn[kGroup];
    if (!g || !g.conns.delete(conn)) return false;
    conn[kGroup] = null;
    if (g.conns.size === 0 && g.timer !== null) {
      clock.clearTimeout(g.timer);
      g.timer = null;
      const slots = byPort.get(g.port);
      if (slots?.get(g.slot) === g) {
        slots.delete(g.slot);
        if (slots.size === 0) byPort.delete(g.port);
      }
    }
    return true;
  };

  return {
    get size() { return size; },
    add(conn: Member) {
      if (conn[kGroup] || orphans.has(conn)) return;
      const g = groupOf(conn);
      g.conns.add(conn);
      conn[kGroup] = g;
      size++;
      if (cutAll) conn.close('drained');
    },
    delete(conn: Member) {
      if (orphans.delete(conn)) { size--; settled(); return; }
      if (!leave(conn)) return;
      size--;
      settled();
    },
    move(conn: Member) {
      // An orphan (its Service port removed) stays one: its cut is already scheduled.
      if (!conn[kGroup] || conn[kGroup]!.slot === conn.slot) return;
      leave(conn);
      const g = groupOf(conn);
      g.conns.add(conn);
      conn[kGroup] = g;
      if (cutAll) conn.close('drained');
    },
    drainSlots(servicePortIndex, keep, timeoutMs) {
      const slots = byPort.get(servicePortIndex);
      if (!slots) return 0;
      let n = 0;
      for (const [slot, g] of [...slots]) {
        if (slot === HANDSHAKE) continue;
        if (keep?.has(slot)) {
          if (g.timer !== null) { clock.clearTimeout(g.timer); g.timer = null; }
          continue;
        }
        if (g.conns.size === 0) { slots.delete(slot); continue; }
        n += g.conns.size;
        drainGroup(g, timeoutMs);
      }
      if (slots.size === 0) byPort.delete(servicePortIndex);
      return n;
    },
    drainServicePort(servicePortIndex, timeoutMs) {
      const slots = byPort.get(servicePortIndex);
      if (!slots) return 0;
      byPort.delete(servicePortIndex);
      const conns: LiveConnection[] = [];
      for (const g of slots.values()) {
        if (g.timer !== null) clock.clearTimeout(g.timer);
        for (const c of g.conns) { conns.push(c); orphans.add(c); (c as Member)[kGroup] = null; }
      }
      const cutThese = () => { for (const c of conns) if (orphans.has(c)) c.close('drained'); };
      if (timeoutMs <= 0) cutThese(); else later(cutThese, timeoutMs);
      return conns.length;
    },
    drainAll(timeoutMs) {
      const done = new Promise<void>((resolve) => emptyWaiters.push(resolve));
      const cutEverything = () => {
        cutAll = true;
        const conns: LiveConnection[] = [];
        forEach((c) => conns.push(c));
        cut(conns);
      };
      if (timeoutMs <= 0) cutEverything(); else later(cutEverything, timeoutMs);
      settled();
      return done;
    },
  };
}
