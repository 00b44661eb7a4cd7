// What the health loop probes, computed from the control plane's objects. Pure; main thread.
//   • every container readinessProbe of every Pod that can be in endpoints (kubelet probes Pods
//     whether or not a Service selects them);
//   • for Pods with no readinessProbe at all, an implicit TCP-connect probe of each (ip, port) a
//     selector Service targets, so a dead backend leaves the endpoint set;
//   • for Services without a selector, each endpoint of their manual Endpoints/EndpointSlices,
//     unless the object carries `switchyard.io/health-check: "false"` (mirrored slices copy the
//     Endpoints' annotations, so the annotation works on either kind);
// plus every backend the data plane may send to, for passive ejection.
import { findPort } from '../model/find-port.ts';
import { canonicalIP, joinHostPort } from '../model/ip-string.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { podIPs, shouldPodBeInEndpoints } from '../model/pod-ready.ts';
import { hasSelector, matchesSelector } from '../model/selector.ts';
import { servicePortEndpoints } from '../model/service-port-endpoints.ts';
import type { Container, EndpointSlice, IntOrString, Pod, Probe, Service } from '../model/types.ts';
import type { HttpProbeSpec } from './probe-http.ts';
import type { ProbeThresholds } from './probe-state.ts';

export const HEALTH_CHECK_ANNOTATION = 'switchyard.io/health-check';

/** The implicit probe's settings (`serve --default-probe-period`, `--no-default-probe`). */
export interface DefaultProbeOptions {
  enabled: boolean;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export type ProbeCheck =
  | { type: 'tcp'; host: string; port: number }
  | { type: 'http'; spec: Omit<HttpProbeSpec, 'timeoutMs'> }
  | { type: 'exec'; command: string[] }
  /** The probe cannot run (e.g. a named port the container does not declare): each probe errors. */
  | { type: 'error'; message: string };

export interface TargetSpec {
  key: string;
  kind: 'pod' | 'implicit' | 'manual';
  check: ProbeCheck;
  periodMs: number;
  timeoutMs: number;
  thresholds: ProbeThresholds;
  initialDelaySeconds: number;
  /** When the backend "started" (Pod creationTimestamp), for initialDelaySeconds. */
  startedAtMs: number;
  initiallyReady: boolean;
  /** Identity of everything above that matters; a target whose fingerprint changes starts over. */
  fingerprint: string;
  /** `ns/name` of the Pod (pod and implicit targets). */
  pod?: { namespace: string; name: string; uid?: string };
  container?: string;
  /** The endpoint this target speaks for: Pod IP (+ port for implicit and manual targets). */
  ip: string;
  port?: number;
  /** `ns/name` of the Services to tell about transitions. */
  services: string[];
}

export interface HealthTargetsInput {
  services: Service[];
  pods: Pod[];
  slicesOf(service: Service): EndpointSlice[];
  defaultProbe: DefaultProbeOptions;
  nowMs: number;
}

export interface HealthTargets {
  targets: TargetSpec[];
  /** Every (ip, port) a TCP Service port sends to, with the Services that do and the Pod behind it (targetRef). */
  backends: Map<string, { ip: string; port: number; services: string[]; pod?: { namespace: string; name: string; uid?: string } }>;
}

const serviceKey = (s: { metadata: { namespace?: string; name?: string } }) => `${namespaceOf(s.metadata)}/${s.metadata.name ?? ''}`;

/** Containers whose readinessProbe kubelet runs: app containers and sidecar (restartPolicy Always) init containers. */
export function probedContainers(pod: Pod): Container[] {
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec.containers ?? []), ...sidecars].filter((c) => !!c.readinessProbe);
}

function startedAt(pod: Pod, nowMs: number): number {
  const t = Date.parse(pod.metadata.creationTimestamp ?? '');
  return Number.isFinite(t) && t <= nowMs ? t : nowMs;
}

/** kubelet's ResolveContainerPort: a number as is, a name looked up among the container's own ports. */
function resolvePort(port: IntOrString, c: Container): number | string {
  let n: number | undefined;
  if (typeof port === 'number') n = port;
  else if (/^\d+$/.test(port)) n = Number(port);
  else n = c.ports?.find((p) => p.name === port)?.containerPort;
  if (n === undefined) return `couldn't find port: ${port} in container ${JSON.stringify(c.name)}`;
  if (!Number.isInteger(n) || n < 1 || n > 65535) return `invalid port number: ${n}`;
  return n;
}

function checkFor(probe: Probe, c: Container, podIP: string): ProbeCheck {
  if (probe.exec) return { type: 'exec', command: [...(probe.exec.command ?? [])] };
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, c);
    if (typeof port === 'string') return { type: 'error', message: port };
    return {
      type: 'http', spec: {
        scheme: probe.httpGet.scheme ?? 'HTTP', host: probe.httpGet.host || podIP, port, path: probe.httpGet.path || '/',
        headers: (probe.httpGet.httpHeaders ?? []).map((h) => ({ name: h.name, value: h.value })),
      },
    };
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, c);
    if (typeof port === 'string') return { type: 'error', message: port };
    return { type: 'tcp', host: probe.tcpSocket.host || podIP, port };
  }
  return { type: 'error', message: 'missing probe handler' };
}

function fingerprint(t: Omit<TargetSpec, 'fingerprint' | 'services' | 'startedAtMs' | 'pod'>, uid: string | undefined): string {
  return JSON.stringify([t.kind, uid ?? '', t.container ?? '', t.ip, t.port ?? 0, t.check, t.periodMs, t.timeoutMs, t.thresholds, t.initialDelaySeconds, t.initiallyReady]);
}

/** The explicit-probe targets of one Pod ([] when it has no readinessProbe or cannot be an endpoint). */
export function podProbeTargets(pod: Pod, services: string[], nowMs: number): TargetSpec[] {
  if (!shouldPodBeInEndpoints(pod, true)) return [];
  const ip = podIPs(pod)[0];
  const namespace = namespaceOf(pod.metadata);
  const name = pod.metadata.name ?? '';
  return probedContainers(pod).map((c) => {
    const p = c.readinessProbe!;
    const base = {
      key: `pod:${namespace}/${name}:${c.name}`, kind: 'pod' as const, check: checkFor(p, c, ip),
      periodMs: (p.periodSeconds || 10) * 1000, timeoutMs: (p.timeoutSeconds || 1) * 1000,
      thresholds: { successThreshold: p.successThreshold || 1, failureThreshold: p.failureThreshold || 3 },
      initialDelaySeconds: p.initialDelaySeconds ?? 0, initiallyReady: false, container: c.name, ip,
    };
    return { ...base, fingerprint: fingerprint(base, pod.metadata.uid), startedAtMs: startedAt(pod, nowMs), pod: { namespace, name, uid: pod.metadata.uid }, services };
  });
}

function implicitBase(d: DefaultProbeOptions) {
  return {
    periodMs: d.periodSeconds * 1000, timeoutMs: d.timeoutSeconds * 1000,
    thresholds: { successThreshold: d.successThreshold, failureThreshold: d.failureThreshold },
    initialDelaySeconds: 0, initiallyReady: true,
  };
}

export function computeHealthTargets(input: HealthTargetsInput): HealthTargets {
  const { defaultProbe: d, nowMs } = input;
  const targets: TargetSpec[] = [];
  const backends: HealthTargets['backends'] = new Map();
  const selecting = new Map<Pod, string[]>();
  const implicit = new Map<string, TargetSpec>();
  const manual = new Map<string, TargetSpec>();

  for (const svc of input.services) {
    if (svc.spec.type === 'ExternalName') continue;
    const sk = serviceKey(svc);
    const tcpPorts = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
    const slices = input.slicesOf(svc);
    for (const eps of servicePortEndpoints(svc, slices).values()) {
      for (const ep of eps) {
        const k = joinHostPort(ep.ip, ep.port);
        const b: { ip: string; port: number; services: string[]; pod?: { namespace: string; name: string; uid?: string } } =
          backends.get(k) ?? { ip: ep.ip, port: ep.port, services: [] };
        if (!b.services.includes(sk)) b.services.push(sk);
        const ref = ep.targetRef;
        if (!b.pod && ref?.kind === 'Pod' && ref.name) b.pod = { namespace: ref.namespace ?? namespaceOf(svc.metadata), name: ref.name, uid: ref.uid };
        backends.set(k, b);
      }
    }
    if (hasSelector(svc.spec.selector)) {
      for (const pod of input.pods) {
        if (namespaceOf(pod.metadata) !== namespaceOf(svc.metadata) || !matchesSelector(svc.spec.selector, pod.metadata.labels)) continue;
        const list = selecting.get(pod) ?? [];
        list.push(sk);
        selecting.set(pod, list);
        if (!d.enabled || probedContainers(pod).length > 0 || !shouldPodBeInEndpoints(pod, true)) continue;
        const ip = podIPs(pod)[0];
        for (const sp of tcpPorts) {
          const port = findPort(pod, sp);
          if (!port) continue;
          const namespace = namespaceOf(pod.metadata);
          const name = pod.metadata.name ?? '';
          const key = `implicit:${namespace}/${name}:${joinHostPort(ip, port)}`;
          const existing = implicit.get(key);
          if (existing) { if (!existing.services.includes(sk)) existing.services.push(sk); continue; }
          const base = { key, kind: 'implicit' as const, check: { type: 'tcp' as const, host: ip, port }, ...implicitBase(d), ip, port };
          implicit.set(key, { ...base, fingerprint: fingerprint(base, pod.metadata.uid), startedAtMs: startedAt(pod, nowMs), pod: { namespace, name, uid: pod.metadata.uid }, services: [sk] });
        }
      }
    } else if (d.enabled) {
      for (const slice of slices) {
        if (slice.addressType === 'FQDN' || slice.metadata.annotations?.[HEALTH_CHECK_ANNOTATION] === 'false') continue;
        const ports = (slice.ports ?? []).filter((p) => p.port && (p.protocol ?? 'TCP') === 'TCP');
        for (const ep of slice.endpoints ?? []) {
          const ip = ep.addresses?.[0] ? canonicalIP(ep.addresses[0]) : undefined;
          // An endpoint its author marked not ready is never used; probing it could not change that.
          if (!ip || ep.conditions?.ready === false) continue;
          for (const sp of ports) {
            const key = `manual:${joinHostPort(ip, sp.port!)}`;
            const existing = manual.get(key);
            if (existing) { if (!existing.services.includes(sk)) existing.services.push(sk); continue; }
            const base = { key, kind: 'manual' as const, check: { type: 'tcp' as const, host: ip, port: sp.port! }, ...implicitBase(d), ip, port: sp.port! };
            manual.set(key, { ...base, fingerprint: fingerprint(base, undefined), startedAtMs: nowMs, services: [sk] });
          }
        }
      }
    }
  }
  for (const pod of input.pods) targets.push(...podProbeTargets(pod, selecting.get(pod) ?? [], nowMs));
  targets.push(...implicit.values(), ...manual.values());
  return { targets, backends };
}
