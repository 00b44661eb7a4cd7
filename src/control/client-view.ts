// The copy of a stored object that clients (admin API, CLI) and the data plane see: Services with
// the status the server owns, Pods with the Ready condition the health loop decides. Main thread.
import { namespaceOf } from '../model/namespace-of.ts';
import type { KubeObject, LoadBalancerIngress, Pod } from '../model/types.ts';

export interface ClientViewSources {
  /** status.loadBalancer.ingress of a Service, as bound by the data plane. */
  ingress(namespace: string, name: string): LoadBalancerIngress[] | undefined;
  /** The effective readiness of a Pod (health loop, else its own Ready condition). */
  isReady(pod: Pod): boolean;
}

/** A deep copy of `obj`, shaped as clients see it; the stored object is never handed out. */
export function clientView<T extends KubeObject>(obj: T, sources: ClientViewSources): T {
  const copy = structuredClone(obj);
  if (copy.kind === 'Service') {
    const ing = sources.ingress(namespaceOf(copy.metadata), copy.metadata.name ?? '');
    copy.status = { loadBalancer: ing && ing.length ? { ingress: structuredClone(ing) } : {} };
  } else if (copy.kind === 'Pod') {
    // We are the kubelet here: the Ready condition shown is the effective readiness, so `get pods`
    // (READY column) and `describe pod` follow the probes.
    const ready = sources.isReady(obj as Pod);
    const status = copy.status ??= {};
    if (status.podIP) status.phase ??= 'Running';
    const others = (status.conditions ?? []).filter((c) => c.type !== 'Ready');
    status.conditions = [...others, { type: 'Ready', status: ready ? 'True' : 'False' }];
  }
  return copy;
}
