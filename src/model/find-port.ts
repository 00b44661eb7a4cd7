// `FindPort` (spec §3.3): the backend port a Pod offers for one Service port. Pure; any thread.
import type { Container, Pod, ServicePort } from './types.ts';

function namedPort(containers: Container[] | undefined, name: string, protocol: string, sidecarsOnly: boolean): number | undefined {
  for (const c of containers ?? []) {
    // Init containers count only as sidecars (restartPolicy Always): they run beside the app.
    if (sidecarsOnly && c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) {
      if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/**
 * A numeric targetPort is used as is (no container has to declare it). A named one resolves to the
 * first container port with that name and the Service port's protocol, then to sidecar init
 * containers; undefined means the Pod offers no endpoint for this Service port. A missing, 0 or ""
 * targetPort is the Service port itself (what defaulting would have written).
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort;
  if (target === undefined || target === 0 || target === '') return svcPort.port;
  if (typeof target === 'number') return target;
  const protocol = svcPort.protocol ?? 'TCP';
  return namedPort(pod.spec.containers, target, protocol, false)
    ?? namedPort(pod.spec.initContainers, target, protocol, true);
}
