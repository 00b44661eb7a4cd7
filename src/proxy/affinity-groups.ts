// ClientIP affinity keys for Service ports. Main thread. A Service's ports of one port number (53/TCP
// and 53/UDP) share a key, so a client that reached an endpoint over one protocol keeps it over the
// other (the picker follows an entry written through the sibling port to the same endpoint IP).
// Keys start at `base` (the table's Service-port count), apart from the port indexes that callers
// without groups use as keys; a key whose last port goes has its affinity entries expired.

export class AffinityGroups {
  private readonly base: number;
  private readonly forget: (key: number) => void;
  private readonly groups = new Map<string, { key: number; ports: Set<number> }>();
  private readonly groupOfPort = new Map<number, string>();
  private readonly freeKeys: number[] = [];
  private nextKey = 0;

  constructor(base: number, forget: (key: number) => void) {
    this.base = base;
    this.forget = forget;
  }

  /** The key of Service port `index`, a port numbered `portNumber` of Service `serviceKey`. */
  keyFor(serviceKey: string, portNumber: number, index: number): number {
    const name = `${serviceKey}|${portNumber}`;
    if (this.groupOfPort.get(index) !== name) this.release(index);
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, g = { key: this.base + (this.freeKeys.pop() ?? this.nextKey++), ports: new Set() });
    g.ports.add(index);
    this.groupOfPort.set(index, name);
    return g.key;
  }

  release(index: number): void {
    const name = this.groupOfPort.get(index);
    if (name === undefined) return;
    this.groupOfPort.delete(index);
    const g = this.groups.get(name)!;
    g.ports.delete(index);
    if (g.ports.size > 0) return;
    this.groups.delete(name);
    this.forget(g.key);
    this.freeKeys.push(g.key - this.base);
  }
}
