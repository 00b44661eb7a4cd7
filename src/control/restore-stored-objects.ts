// Start-up of the registry: every stored object back in its in-memory index, and each Service's
// ClusterIP and NodePorts re-reserved, since allocations live in the stored Services. Main thread.
import { namespaceOf } from '../model/namespace-of.ts';
import type { Namespace } from '../model/types.ts';
import type { Store } from '../store/store.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { EventLog } from './event-log.ts';
import { heldNodePorts, type NodePortAllocator } from './node-port-allocator.ts';
import type { ObjectIndex } from './object-index.ts';
import { heldClusterIp } from './service-allocations.ts';

export interface RestoreTargets {
  index: ObjectIndex;
  ips: ClusterIpAllocator;
  ports: NodePortAllocator;
  events: EventLog;
}

/**
 * Loads the declared objects into `to.index` and returns the declared Namespaces (kept apart: they
 * hold no endpoints). A reservation that fails (the CIDR or range flag changed since) is reported
 * as a Warning event rather than refusing to start: the Service keeps its address, it is just not
 * protected.
 */
export async function restoreStoredObjects(store: Store, to: RestoreTargets): Promise<{ namespaces: Namespace[] }> {
  const namespaces: Namespace[] = [];
  for (const loaded of await store.load()) {
    const obj = loaded as typeof loaded | Namespace;
    if (obj.kind === 'Namespace') { namespaces.push(obj); continue; }
    to.index.put(obj);
    if (obj.kind !== 'Service') continue;
    const ref = { kind: 'Service', namespace: namespaceOf(obj.metadata), name: obj.metadata.name, uid: obj.metadata.uid };
    const ip = heldClusterIp(obj);
    const ipErr = ip ? to.ips.allocate(ip) : undefined;
    if (ipErr) to.events.record(ref, 'Warning', 'ClusterIPNotReserved', `stored clusterIP ${ip}: ${ipErr.detail}`, 'registry');
    for (const p of heldNodePorts(obj)) {
      const err = to.ports.allocate(p);
      if (err) to.events.record(ref, 'Warning', 'NodePortNotReserved', `stored node port ${p}: ${err}`, 'registry');
    }
  }
  return { namespaces };
}
