// Which Pods take part in endpoints, and whether they are ready (spec §3.3). Pure; any thread.
import { namespaceOf } from './namespace-of.ts';
import type { Pod, Service } from './types.ts';

/**
 * The Pod's own `Ready` condition. Unlike kubelet-managed Pods (where a missing condition means not
 * ready), a switchyard Pod describes a backend that already runs, so no condition means ready; the
 * health loop overrides this through the control plane's ReadinessSource.
 */
export function podConditionReady(pod: Pod): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return ready === undefined ? true : ready.status === 'True';
}

/** `status.podIPs`, falling back to `[status.podIP]` (the API server keeps podIPs[0] == podIP). */
export function podIPs(pod: Pod): string[] {
  const listed = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => !!ip);
  if (listed.length > 0) return listed;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * `ShouldPodBeInEndpoints`: terminal Pods (Succeeded/Failed) and Pods without an IP never are;
 * terminating Pods (deletionTimestamp set) only when `includeTerminating`.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** `ShouldSetHostname`: the Pod's hostname is published iff its subdomain names this Service. */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === service.metadata.name
    && namespaceOf(pod.metadata) === namespaceOf(service.metadata);
}
