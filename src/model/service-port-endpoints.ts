// How kube-proxy reads EndpointSlices (spec §3.5, S13 endpointslicecache.go). Runs on the main
// thread when the endpoint table is rebuilt. Pure. Which of these endpoints a pick may use (spec
// §6.2) is decided per pick from the shared table's flags: src/shared/slot-state.ts `usableFlags`.
import { canonicalIP, joinHostPort } from './ip-address.ts';
import { namespaceOf } from './namespace-of.ts';
import type { EndpointSlice, ObjectReference, Service, ServicePort, SliceEndpoint } from './types.ts';
import { LABEL_SERVICE_NAME } from './well-known-labels.ts';

export interface ResolvedEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

/** Identity of a service port, as kube-proxy's ServicePortName: `<name>/<protocol>`. */
export function portKey(port: { name?: string; protocol?: string }): string {
  return `${port.name ?? ''}/${port.protocol ?? 'TCP'}`;
}

/**
 * The slices linked to `service`: same namespace and `kubernetes.io/service-name` label, IP
 * families only (FQDN slices must be resolved to addresses before they reach the data plane),
 * ordered by name so duplicates resolve the same way every time.
 */
export function linkedSlices(service: Service, slices: EndpointSlice[]): EndpointSlice[] {
  const ns = namespaceOf(service.metadata);
  return slices
    .filter((s) => s.addressType !== 'FQDN' && namespaceOf(s.metadata) === ns
      && s.metadata.labels?.[LABEL_SERVICE_NAME] === service.metadata.name)
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}

/** Only addresses[0] counts; nil conditions mean ready, serving, not terminating. */
function resolve(ep: SliceEndpoint, port: number): ResolvedEndpoint | undefined {
  if (!ep.addresses || ep.addresses.length === 0) return undefined;
  const ip = canonicalIP(ep.addresses[0]);
  if (ip === undefined) return undefined;
  const c = ep.conditions ?? {};
  const r: ResolvedEndpoint = {
    ip, port, ready: c.ready ?? true, serving: c.serving ?? true, terminating: c.terminating ?? false,
  };
  if (ep.hostname !== undefined) r.hostname = ep.hostname;
  if (ep.nodeName !== undefined) r.nodeName = ep.nodeName;
  if (ep.zone !== undefined) r.zone = ep.zone;
  if (ep.targetRef !== undefined) r.targetRef = { ...ep.targetRef };
  return r;
}

/** Add unless the `ip:port` is present already; a non-terminating entry replaces a terminating one. */
function addDeduped(set: Map<string, ResolvedEndpoint>, r: ResolvedEndpoint): void {
  const k = joinHostPort(r.ip, r.port);
  const existing = set.get(k);
  if (!existing || (existing.terminating && !r.terminating)) set.set(k, r);
}

const byHostPort = (a: ResolvedEndpoint, b: ResolvedEndpoint) => {
  const ka = joinHostPort(a.ip, a.port);
  const kb = joinHostPort(b.ip, b.port);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * Endpoints per Service port, keyed by `portKey(port)`, for every port of `service` (an empty
 * list when nothing matches). Slice ports match by (name, protocol); ports without a number are
 * ignored; entries are sorted by their `ip:port` text, as kube-proxy orders its rules.
 */
export function servicePortEndpoints(service: Service, slices: EndpointSlice[]): Map<string, ResolvedEndpoint[]> {
  const wanted = new Set((service.spec.ports ?? []).map((p: ServicePort) => portKey(p)));
  const found = new Map<string, Map<string, ResolvedEndpoint>>();
  for (const slice of linkedSlices(service, slices)) {
    for (const sp of slice.ports ?? []) {
      if (!sp.port) continue;
      const key = portKey(sp);
      if (!wanted.has(key)) continue;
      let set = found.get(key);
      if (!set) found.set(key, set = new Map());
      for (const ep of slice.endpoints ?? []) {
        const r = resolve(ep, sp.port);
        if (r) addDeduped(set, r);
      }
    }
  }
  const out = new Map<string, ResolvedEndpoint[]>();
  for (const p of service.spec.ports ?? []) {
    const key = portKey(p);
    out.set(key, [...(found.get(key)?.values() ?? [])].sort(byHostPort));
  }
  return out;
}
