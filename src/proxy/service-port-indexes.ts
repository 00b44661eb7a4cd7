// Which endpoint-table index each Service port holds, and the generation of its last snapshot.
// Main thread, the data-plane sync's bookkeeping; pure but for the allocator it is given. Kept per
// Service, so that syncing one Service never walks the others' ports. A port keeps its index while
// its key (`name/PROTOCOL`) stays in the Service, so an edit never moves its connections' counts.
import type { ServicePort } from '../model/types.ts';
import { portKey } from '../model/service-port-endpoints.ts';

export class ServicePortIndexes {
  private readonly byService = new Map<string, Map<string, number>>(); // `ns/name` → portKey → index
  private readonly generations = new Map<number, number>();
  private readonly alloc: () => number;

  constructor(alloc: () => number) { this.alloc = alloc; }

  /** The index of `port` of Service `serviceKey`, allocated on first use. */
  indexFor(serviceKey: string, port: Pick<ServicePort, 'name' | 'protocol'>): number {
    let ports = this.byService.get(serviceKey);
    if (!ports) this.byService.set(serviceKey, ports = new Map());
    const key = portKey(port);
    let index = ports.get(key);
    if (index === undefined) {
      index = this.alloc();
      ports.set(key, index);
    }
    return index;
  }

  /** The generation of the next snapshot of `index` (1, 2, …; again from 1 after it was retired). */
  nextGeneration(index: number): number {
    const generation = (this.generations.get(index) ?? 0) + 1;
    this.generations.set(index, generation);
    return generation;
  }

  /** Forgets the Service's ports whose index is not in `keep`: the indexes to free, in port order. */
  retire(serviceKey: string, keep: ReadonlySet<number>): number[] {
    const ports = this.byService.get(serviceKey);
    if (!ports) return [];
    const retired: number[] = [];
    for (const [key, index] of ports) {
      if (keep.has(index)) continue;
      ports.delete(key);
      this.generations.delete(index);
      retired.push(index);
    }
    if (ports.size === 0) this.byService.delete(serviceKey);
    return retired;
  }
}
