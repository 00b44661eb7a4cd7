// The live connections of one data-plane worker, indexed by (Service port, endpoint slot), so that
// an endpoint that leaves its Service port's snapshot, or the whole worker, can be drained:
// connections keep running until they finish or the drain timeout closes them. Worker thread only.
import type { SpliceEnd } from './splice.ts';

export interface LiveConnection {
  servicePortIndex: number;
  slot: number;
  close(reason: SpliceEnd): void;
}

export interface ConnectionRegistry {
  readonly size: number;
  add(conn: LiveConnection): void;
  delete(conn: LiveConnection): void;
  /** Connections of `servicePortIndex` on a slot outside `keep` get `timeoutMs` to finish. Returns how many. */
  drainSlots(servicePortIndex: number, keep: ReadonlySet<number> | null, timeoutMs: number): number;
  /** Every connection gets `timeoutMs` to finish; resolves when none is left. */
  drainAll(timeoutMs: number): Promise<void>;
}

export function createConnectionRegistry(): ConnectionRegistry {
  // servicePortIndex → slot → connections
  const byPort = new Map<number, Map<number, Set<LiveConnection>>>();
  let size = 0;
  let emptyWaiters: (() => void)[] = [];

  const closeLater = (conns: LiveConnection[], timeoutMs: number) => {
    if (conns.length === 0) return;
    const cut = () => { for (const c of conns) c.close('drained'); };
    if (timeoutMs <= 0) { cut(); return; }
    // Unref'd: a pending drain alone must not keep a worker alive that was told to exit.
    setTimeout(cut, timeoutMs).unref();
  };

  return {
    get size() { return size; },
    add(conn) {
      let slots = byPort.get(conn.servicePortIndex);
      if (!slots) byPort.set(conn.servicePortIndex, (slots = new Map()));
      let set = slots.get(conn.slot);
      if (!set) slots.set(conn.slot, (set = new Set()));
      if (!set.has(conn)) { set.add(conn); size++; }
    },
    delete(conn) {
      const slots = byPort.get(conn.servicePortIndex);
      const set = slots?.get(conn.slot);
      if (!set || !set.delete(conn)) return;
      size--;
      if (set.size === 0) slots!.delete(conn.slot);
      if (slots!.size === 0) byPort.delete(conn.servicePortIndex);
      if (size === 0 && emptyWaiters.length) {
        const waiters = emptyWaiters;
        emptyWaiters = [];
        for (const w of waiters) w();
      }
    },
    drainSlots(servicePortIndex, keep, timeoutMs) {
      const slots = byPort.get(servicePortIndex);
      if (!slots) return 0;
      const conns: LiveConnection[] = [];
      for (const [slot, set] of slots) if (!keep || !keep.has(slot)) conns.push(...set);
      closeLater(conns, timeoutMs);
      return conns.length;
    },
    drainAll(timeoutMs) {
      if (size === 0) return Promise.resolve();
      const done = new Promise<void>((resolve) => emptyWaiters.push(resolve));
      const conns: LiveConnection[] = [];
      for (const slots of byPort.values()) for (const set of slots.values()) conns.push(...set);
      closeLater(conns, timeoutMs);
      return done;
    },
  };
}
