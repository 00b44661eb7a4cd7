// The worker pool's record of its listeners: where each is bound, which workers bind it, and what
// a replacement worker must bind again. Main thread; no I/O of its own (the census is passed in),
// so the rules are unit-tested without threads or sockets (test/unit/data-pool-listeners.test.ts).
//
// Who binds a listener: the main thread for a TCP listener in transfer mode (`server`); otherwise
// the workers — every one with SO_REUSEPORT, or, for a UDP listener with 'single' UDP sockets, its
// one `owner`. A worker started after a crash is sent every listener it binds, with the port the
// first bind resolved (a requested port 0 must not become a new port).
import type { Server } from 'node:net';
import type { ListenerSpec } from '../shared/messages.ts';

export interface BoundAddress { address: string; port: number }

export interface PoolListener {
  spec: ListenerSpec;
  bound: BoundAddress;
  /** Bound on the main thread (transfer mode): nobody else can join it. */
  server?: Server;
  /** The one worker that binds this UDP listener ('single' UDP sockets). */
  owner?: number;
}

export class PoolListeners {
  private readonly byId = new Map<string, PoolListener>();
  private readonly workers: number;

  constructor(workers: number) { this.workers = workers; }

  get(id: string): PoolListener | undefined { return this.byId.get(id); }
  set(l: PoolListener): void { this.byId.set(l.spec.id, l); }
  delete(id: string): void { this.byId.delete(id); }

  /** The ids of the workers that bind `l` (none for the main thread's own). */
  workersOf(l: Pick<PoolListener, 'server' | 'owner'>): number[] {
    if (l.server) return [];
    return l.owner === undefined ? Array.from({ length: this.workers }, (_, i) => i) : [l.owner];
  }

  /** 'single' UDP sockets: the worker owning the fewest UDP listeners (the lowest id on a tie). */
  udpOwner(): number {
    const owned = new Array<number>(this.workers).fill(0);
    for (const l of this.byId.values()) if (l.owner !== undefined) owned[l.owner]++;
    return owned.indexOf(Math.min(...owned));
  }

  /** What a (re)started worker `id` binds, in the order the listeners were made, ports resolved. */
  boundBy(id: number): ListenerSpec[] {
    const out: ListenerSpec[] = [];
    for (const l of this.byId.values()) {
      if (!l.server && (l.owner === undefined || l.owner === id)) out.push({ ...l.spec, port: l.bound.port });
    }
    return out;
  }

  /** The ids of the listeners the workers bind where `count` finds more sockets than the workers
   *  that bind it: another process joined them (SO_REUSEPORT). The main thread's own listeners are
   *  exclusive binds and never listed. */
  async shared(count: (address: string, port: number, protocol: ListenerSpec['protocol']) => Promise<number | undefined>): Promise<string[]> {
    const all = [...this.byId.values()].filter((l) => !l.server);
    const counts = await Promise.all(all.map((l) => count(l.bound.address, l.bound.port, l.spec.protocol)));
    return all.filter((l, i) => (counts[i] ?? 0) > this.workersOf(l).length).map((l) => l.spec.id);
  }

  /** Forgets every listener, closing the main thread's own (drain). */
  closeAll(): void {
    for (const l of this.byId.values()) l.server?.close();
    this.byId.clear();
  }
}
