// `endpoints.RepackSubsets` (k8s pkg/api/v1/endpoints/util.go): regroup Endpoints subsets so each
// subset holds the addresses that share one identical set of ports. Pure; any thread.
import type { EndpointAddress, EndpointPort, EndpointSubset } from './types.ts';

const portIdentity = (p: EndpointPort) => JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? null]);

/** `LessEndpointAddress`: IP compared as text (bytes), then the target's uid. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid;
  const ub = b.targetRef?.uid;
  if (ub === undefined) return ua === undefined ? 0 : 1;
  if (ua === undefined) return -1;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Same grouping as upstream. Upstream then orders ports and subsets by an md5 of their content,
 * which is deterministic but arbitrary; here ports keep the order they first appeared in (the
 * Service's port order) and subsets are ordered by their first address, then their ports.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  // An address is identified by IP and the uid of what it points at, so two Pods reusing an IP stay apart.
  const allAddrs = new Map<string, EndpointAddress>();
  const portOrder = new Map<string, number>();
  // Port (or the "no ports" sentinel "") → address key → ready.
  const byPort = new Map<string, { port?: EndpointPort; addrs: Map<string, boolean> }>();

  const mapAddress = (addr: EndpointAddress, portId: string, port: EndpointPort | undefined, ready: boolean) => {
    const key = `${addr.ip}\u0000${addr.targetRef?.uid ?? ''}`;
    if (!allAddrs.has(key)) allAddrs.set(key, { ...addr });
    let entry = byPort.get(portId);
    if (!entry) byPort.set(portId, entry = { port, addrs: new Map() });
    // Ready for a port anywhere wins over not-ready for the same port.
    if (entry.addrs.get(key) !== true) entry.addrs.set(key, ready);
  };
  for (const subset of subsets) {
    const ports: (EndpointPort | undefined)[] = subset.ports && subset.ports.length > 0 ? subset.ports : [undefined];
    for (const port of ports) {
      const portId = port ? portIdentity(port) : '';
      if (port && !portOrder.has(portId)) portOrder.set(portId, portOrder.size);
      for (const a of subset.addresses ?? []) mapAddress(a, portId, port, true);
      for (const a of subset.notReadyAddresses ?? []) mapAddress(a, portId, port, false);
    }
  }

  // Group ports by the exact (address, readiness) set that offers them.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [portId, entry] of byPort) {
    const setKey = JSON.stringify([...entry.addrs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
    let g = groups.get(setKey);
    if (!g) groups.set(setKey, g = { addrs: entry.addrs, ports: [] });
    if (portId !== '' && entry.port) g.ports.push({ ...entry.port });
  }

  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [key, isReady] of g.addrs) (isReady ? ready : notReady).push(allAddrs.get(key)!);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    g.ports.sort((a, b) => portOrder.get(portIdentity(a))! - portOrder.get(portIdentity(b))!);
    const s: EndpointSubset = {};
    if (ready.length > 0) s.addresses = ready;
    if (notReady.length > 0) s.notReadyAddresses = notReady;
    if (g.ports.length > 0) s.ports = g.ports;
    out.push(s);
  }
  const first = (s: EndpointSubset) => s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  const firstPort = (s: EndpointSubset) => (s.ports?.[0] ? portOrder.get(portIdentity(s.ports[0]))! : -1);
  return out.sort((a, b) => compareAddresses(first(a)!, first(b)!) || firstPort(a) - firstPort(b)
    || (a.ports?.length ?? 0) - (b.ports?.length ?? 0));
}
