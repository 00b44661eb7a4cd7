// Allocations as store claims: with several instances on one store, each ClusterIP and NodePort a
// Service holds is also a claim key, taken in the same commit as the Service (compare-and-swap in
// etcd), so two instances allocating at the same moment cannot both hand out one address or port.
// The loser's commit fails naming the claims; the registry marks them taken and allocates again.
// Main thread.
import type { Service } from '../model/types.ts';
import type { StoreOp } from '../store/store.ts';
import { heldNodePorts } from './node-port-allocator.ts';
import { heldClusterIp } from './service-allocations.ts';

const ipClaim = (ip: string) => `clusterip/${ip}`;
const portClaim = (port: number) => `nodeport/${port}`;

function claimKeys(svc: Service | undefined): Set<string> {
  const keys = new Set<string>();
  if (!svc) return keys;
  const ip = heldClusterIp(svc);
  if (ip) keys.add(ipClaim(ip));
  for (const p of heldNodePorts(svc)) keys.add(portClaim(p));
  return keys;
}

/** Claims `next` holds (idempotent for those `prev` held already) and releases of what it gave up. */
export function claimOps(owner: string, prev: Service | undefined, next: Service | undefined): StoreOp[] {
  const before = claimKeys(prev);
  const after = claimKeys(next);
  const ops: StoreOp[] = [];
  for (const k of after) ops.push({ op: 'claim', key: k, owner });
  for (const k of before) if (!after.has(k)) ops.push({ op: 'release', key: k, owner });
  return ops;
}

/** What a claim key stands for: the ClusterIP or NodePort another writer holds. */
export function parseClaim(key: string): { ip: string } | { port: number } | undefined {
  if (key.startsWith('clusterip/')) return { ip: key.slice('clusterip/'.length) };
  if (key.startsWith('nodeport/')) return { port: Number(key.slice('nodeport/'.length)) };
  return undefined;
}
