// Defaults for Pod (SetDefaults_Pod, SetDefaults_ContainerPort, SetDefaults_Probe,
// SetDefaults_HTTPGetAction), Endpoints (SetDefaults_Endpoints) and EndpointSlice
// (discovery/v1 defaults.go), as the apiserver applies them before validation. Pure; mutates its
// argument. Any thread.
import type { Container, EndpointSlice, Endpoints, Pod, Probe } from '../model/types.ts';

const PROBE_DEFAULTS = {
  initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3,
} as const;

function defaultProbe(p: Probe): void {
  // Upstream treats 0 as unset for these four (int32 zero value); initialDelaySeconds 0 is meaningful.
  if (!p.periodSeconds) p.periodSeconds = PROBE_DEFAULTS.periodSeconds;
  if (!p.timeoutSeconds) p.timeoutSeconds = PROBE_DEFAULTS.timeoutSeconds;
  if (!p.successThreshold) p.successThreshold = PROBE_DEFAULTS.successThreshold;
  if (!p.failureThreshold) p.failureThreshold = PROBE_DEFAULTS.failureThreshold;
  if (p.initialDelaySeconds === undefined) p.initialDelaySeconds = PROBE_DEFAULTS.initialDelaySeconds;
  if (p.httpGet) {
    if (!p.httpGet.path) p.httpGet.path = '/';
    if (!p.httpGet.scheme) p.httpGet.scheme = 'HTTP';
  }
}

function defaultContainer(c: Container): void {
  for (const port of c.ports ?? []) if (!port.protocol) port.protocol = 'TCP';
  if (c.readinessProbe) defaultProbe(c.readinessProbe);
}

export function defaultPod(pod: Pod): Pod {
  for (const c of pod.spec.containers ?? []) defaultContainer(c);
  for (const c of pod.spec.initContainers ?? []) defaultContainer(c);
  if (pod.spec.enableServiceLinks === undefined) pod.spec.enableServiceLinks = true;
  // kubelet reports podIP as podIPs[0]; accept a manifest that gives only the list.
  const first = pod.status?.podIPs?.[0]?.ip;
  if (pod.status && !pod.status.podIP && first) pod.status.podIP = first;
  return pod;
}

export function defaultEndpoints(ep: Endpoints): Endpoints {
  for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  return ep;
}

export function defaultEndpointSlice(slice: EndpointSlice): EndpointSlice {
  for (const p of slice.ports ?? []) {
    if (p.name === undefined) p.name = '';
    if (p.protocol === undefined) p.protocol = 'TCP';
  }
  return slice;
}
