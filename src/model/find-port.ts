// `FindPort` (spec §3.3): the backend port a Pod offers for one Service port. Pure; any thread.
import type { Container, ContainerPort, Pod, ServicePort } from './types.ts';

/**
 * On a Pod with this annotation set to "true", each container port is reached on its `hostPort`
 * at `status.podIP` (the host), not on `containerPort`: what Docker discovery writes for
 * containers reached through their published ports, where `targetPort: 80` means container port
 * 80 all the same. A container port without a hostPort offers no endpoint on such a Pod.
 */
export const ANNOTATION_HOST_PORTS = 'switchyard.io/host-ports';

type Match = (p: ContainerPort) => boolean;

function containerPort(containers: Container[] | undefined, match: Match, sidecarsOnly: boolean): ContainerPort | undefined {
  for (const c of containers ?? []) {
    // Init containers count only as sidecars (restartPolicy Always): they run beside the app.
    if (sidecarsOnly && c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (match(p)) return p;
  }
  return undefined;
}

const declared = (pod: Pod, match: Match) =>
  containerPort(pod.spec.containers, match, false) ?? containerPort(pod.spec.initContainers, match, true);

/**
 * A numeric targetPort is used as is (no container has to declare it). A named one resolves to the
 * first container port with that name and the Service port's protocol, then to sidecar init
 * containers; undefined means the Pod offers no endpoint for this Service port. A missing, 0 or ""
 * targetPort is the Service port itself (what defaulting would have written). On a host-ports Pod
 * the resolved container port is translated to its hostPort (ANNOTATION_HOST_PORTS).
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort;
  const protocol = svcPort.protocol ?? 'TCP';
  const sameProtocol = (p: ContainerPort) => (p.protocol ?? 'TCP') === protocol;
  const hostPorts = pod.metadata.annotations?.[ANNOTATION_HOST_PORTS] === 'true';
  if (typeof target === 'string' && target !== '') {
    const named = declared(pod, (p) => p.name === target && sameProtocol(p));
    return hostPorts ? named?.hostPort : named?.containerPort;
  }
  const number = target === undefined || target === 0 || target === '' ? svcPort.port : target;
  if (!hostPorts) return number;
  return declared(pod, (p) => p.containerPort === number && sameProtocol(p))?.hostPort;
}
