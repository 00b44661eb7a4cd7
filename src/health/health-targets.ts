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
import { canonicalIP, joinHostPort } from '../model/ip-address.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { podIPs, shouldPodBeInEndpoints } from '../model/pod-ready.ts';
import { hasSelector, matchesSelector } from '../model/selector.ts';
import { servicePortEndpoints } from '../model/service-port-endpoints.ts';
import type { Container, EndpointSlice, IntOrString, Pod, Probe, Service } from '../model/types.ts';
import type { HttpProbeSpec } from './probe-http.ts';
import type { ProbeThresholds } from './probe-state.ts';

const HEALTH_CHECK_ANNOTATION = 'switchyard.io/health-check';

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

export const serviceKey = (s: { metadata: { namespace?: string; name?: string } }) => `${namespaceOf(s.metadata)}/${s.metadata.name ?? ''}`;

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

/** What one Service adds to the health loop's work: computed alone, so a change costs that Service only. */
export interface ServiceHealthContribution {
  /** The backends its TCP ports send to, keyed by `ip:port`. */
  backends: Map<string, { ip: string; port: number; pod?: { namespace: string; name: string; uid?: string } }>;
  /** Implicit and manual targets, each with `services: [this Service]`. */
  targets: TargetSpec[];
  /** The Pods its selector matches (among `pods`). */
  selected: Pod[];
}

/**
 * One Service's share of computeHealthTargets: its backends, its implicit targets (selector) or
 * manual targets (no selector), and the Pods it selects. `pods` may hold Pods of other namespaces.
 */
export function serviceHealthContribution(svc: Service, pods: Iterable<Pod>, slices: EndpointSlice[], d: DefaultProbeOptions, nowMs: number): ServiceHealthContribution {
  const out: ServiceHealthContribution = { backends: new Map(), targets: [], selected: [] };
  if (svc.spec.type === 'ExternalName') return out;
  const sk = serviceKey(svc);
  const ns = namespaceOf(svc.metadata);
  const tcpPorts = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  for (const eps of servicePortEndpoints(svc, slices).values()) {
    for (const ep of eps) {
      const k = joinHostPort(ep.ip, ep.port);
      const b = out.backends.get(k) ?? { ip: ep.ip, port: ep.port };
      const ref = ep.targetRef;
      if (!b.pod && ref?.kind === 'Pod' && ref.name) b.pod = { namespace: ref.namespace ?? ns, name: ref.name, uid: ref.uid };
      out.backends.set(k, b);
    }
  }
  const seen = new Set<string>();
  if (hasSelector(svc.spec.selector)) {
    for (const pod of pods) {
      if (namespaceOf(pod.metadata) !== ns || !matchesSelector(svc.spec.selector, pod.metadata.labels)) continue;
      out.selected.push(pod);
      if (!d.enabled || probedContainers(pod).length > 0 || !shouldPodBeInEndpoints(pod, true)) continue;
      const ip = podIPs(pod)[0];
      const name = pod.metadata.name ?? '';
      for (const sp of tcpPorts) {
        const port = findPort(pod, sp);
        if (!port) continue;
        const key = `implicit:${ns}/${name}:${joinHostPort(ip, port)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const base = { key, kind: 'implicit' as const, check: { type: 'tcp' as const, host: ip, port }, ...implicitBase(d), ip, port };
        out.targets.push({ ...base, fingerprint: fingerprint(base, pod.metadata.uid), startedAtMs: startedAt(pod, nowMs), pod: { namespace: ns, name, uid: pod.metadata.uid }, services: [sk] });
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
          if (seen.has(key)) continue;
          seen.add(key);
          const base = { key, kind: 'manual' as const, check: { type: 'tcp' as const, host: ip, port: sp.port! }, ...implicitBase(d), ip, port: sp.port! };
          out.targets.push({ ...base, fingerprint: fingerprint(base, undefined), startedAtMs: nowMs, services: [sk] });
        }
      }
    }
  }
  return out;
}

export function computeHealthTargets(input: HealthTargetsInput): HealthTargets {
  const { defaultProbe: d, nowMs } = input;
  const backends: HealthTargets['backends'] = new Map();
  const selecting = new Map<Pod, string[]>();
  const shared = new Map<string, TargetSpec>();
  for (const svc of input.services) {
    const sk = serviceKey(svc);
    const c = serviceHealthContribution(svc, input.pods, input.slicesOf(svc), d, nowMs);
    for (const [k, b] of c.backends) {
      const agg = backends.get(k) ?? { ip: b.ip, port: b.port, services: [] };
      if (!agg.services.includes(sk)) agg.services.push(sk);
      agg.pod ??= b.pod;
      backends.set(k, agg);
    }
    for (const pod of c.selected) selecting.set(pod, [...(selecting.get(pod) ?? []), sk]);
    for (const t of c.targets) {
      const existing = shared.get(t.key);
      if (!existing) shared.set(t.key, t);
      else if (!existing.services.includes(sk)) existing.services.push(sk);
    }
  }
  const targets: TargetSpec[] = [];
  for (const pod of input.pods) targets.push(...podProbeTargets(pod, selecting.get(pod) ?? [], nowMs));
  targets.push(...[...shared.values()].filter((t) => t.kind === 'implicit'), ...[...shared.values()].filter((t) => t.kind === 'manual'));
  return { targets, backends };
}
