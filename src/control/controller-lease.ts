// The Lease (coordination.k8s.io/v1) that shows who runs the controllers when instances share a
// store, as kube-controller-manager's Lease does in kube-system: built by the leader from its
// election state and published like every other server-side object (fenced by the same lease).
// The etcd election is the lock; this object only reports it, so the API serves it read-only.
// leaseTransitions is carried over from the published Lease: it counts changes of holder across
// every instance's term, not only those this process saw. Pure; main thread.
import type { Lease } from '../model/types.ts';
import type { LeaderState } from '../store/store.ts';

/** Where the controllers' Lease lives, as upstream's leader-election Leases do. */
export const LEASE_NAMESPACE = 'kube-system';

/** MicroTime as the apiserver writes it: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease `name` for `state` (this instance leading), given the Lease published before it. */
export function controllerLease(name: string, state: LeaderState, previous: Lease | undefined): Lease | undefined {
  if (state.holder === undefined) return undefined;
  const before = previous?.spec.holderIdentity;
  const transitions = previous?.spec.leaseTransitions ?? 0;
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name, namespace: LEASE_NAMESPACE },
    spec: {
      holderIdentity: state.holder,
      leaseDurationSeconds: state.ttlSeconds,
      ...(state.acquiredAt !== undefined ? { acquireTime: microTime(state.acquiredAt) } : {}),
      ...(state.renewedAt !== undefined ? { renewTime: microTime(state.renewedAt) } : {}),
      leaseTransitions: before !== undefined && before !== state.holder ? transitions + 1 : transitions,
    },
  };
}
