// The endpoints the controllers would write, kept in memory per Service instead of stored: the
// EndpointSlice and Endpoints controllers' output for selector Services, and the mirroring
// controller's slices for manual Endpoints of selector-less Services. They are pure functions of
// the stored objects and readiness, so they are recomputed (per namespace) after every change and
// at startup rather than persisted. Main thread only.
//
// The health loop's verdicts on manual endpoints (no Pod whose readiness could carry them) are
// applied here, in the copies clients and the data plane read: an endpoint whose probe fails is
// ready: false, serving: false in its slice and listed under notReadyAddresses in its Endpoints.
// The stored objects keep what their author wrote, so a recovered endpoint simply loses the
// override. The health loop itself reads the declared slices (`declared`): it must keep probing an
// endpoint it took out, and skips only those the author marked not ready.
import { computeEndpointSlices } from '../model/compute-endpoint-slices.ts';
import { computeEndpoints } from '../model/compute-endpoints.ts';
import { canonicalIP } from '../model/ip-address.ts';
import { mirrorEndpoints } from '../model/mirror-endpoints.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { resolveFqdnSlice } from '../model/resolve-fqdn-slice.ts';
import { hasSelector, matchesSelector } from '../model/selector.ts';
import type { Endpoints, EndpointSlice, KubeObject, Pod, Service } from '../model/types.ts';
import { LABEL_SERVICE_NAME } from '../model/well-known-labels.ts';
import type { ObjectIndex } from './object-index.ts';

export interface ServiceView {
  /**
   * Controller-generated Endpoints (selector Services), or the manual Endpoints of a selector-less
   * Service with the probe verdicts applied.
   */
  endpoints?: Endpoints;
  /** Controller-generated slices (selector Services). */
  generated: EndpointSlice[];
  /** Slices mirrored from a manual Endpoints object (selector-less Services). */
  mirrored: EndpointSlice[];
  /** Applied (stored) slices of the Service, with the probe verdicts applied. */
  applied: EndpointSlice[];
  /** Every slice feeding the Service: generated, mirrored and applied. */
  slices: EndpointSlice[];
  /** The same slices before probe verdicts: what the objects' authors declared. */
  declared: EndpointSlice[];
  /** Spec plus slices; a change means the data plane must look at the Service again. */
  fingerprint: string;
}

export interface EndpointViews {
  /**
   * Recomputes the Services of `namespace` (only those named in `only`, when given); returns the
   * `namespace/name` keys whose spec or endpoints changed, deleted Services included.
   */
  recompute(namespace: string, only?: Set<string>): string[];
  get(namespace: string, name: string): ServiceView | undefined;
  all(): IterableIterator<ServiceView>;
}

export const serviceKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** Names of the Services in `ns` whose endpoints may depend on `objs` (old and new version of one object). */
export function affectedServices(index: ObjectIndex, ns: string, objs: (KubeObject | undefined)[]): Set<string> {
  const names = new Set<string>();
  for (const o of objs) {
    if (!o) continue;
    if (o.kind === 'Service' || o.kind === 'Endpoints') names.add(o.metadata.name ?? '');
    else if (o.kind === 'EndpointSlice') {
      const svc = o.metadata.labels?.[LABEL_SERVICE_NAME];
      if (svc) names.add(svc);
    } else {
      for (const s of index.list('Service', ns)) {
        if (hasSelector(s.spec.selector) && matchesSelector(s.spec.selector, o.metadata.labels)) names.add(s.metadata.name ?? '');
      }
    }
  }
  return names;
}

/** The health loop's verdict on a manual endpoint: false takes it out; true/undefined keep the declared conditions. */
export type EndpointVerdict = (ip: string, port: number) => boolean | undefined;

// A multi-port endpoint is taken out when any of its ports fails: slices and Endpoints subsets
// carry one readiness per address for all their ports, as a Pod with one failing probe is not ready.
const failing = (address: string | undefined, ports: (number | undefined)[], verdict: EndpointVerdict): boolean => {
  const ip = address === undefined ? undefined : canonicalIP(address);
  return ip !== undefined && ports.some((p) => p !== undefined && verdict(ip, p) === false);
};

/** `slice` with failing endpoints marked ready: false, serving: false (a copy), or `slice` itself when none fails. */
export function sliceWithVerdicts(slice: EndpointSlice, verdict: EndpointVerdict): EndpointSlice {
  if (slice.addressType === 'FQDN') return slice;
  const ports = (slice.ports ?? []).map((p) => p.port);
  let copy: EndpointSlice | undefined;
  (slice.endpoints ?? []).forEach((ep, i) => {
    // Declared not ready already: the health loop does not probe it, nothing to override.
    if (ep.conditions?.ready === false || !failing(ep.addresses?.[0], ports, verdict)) return;
    copy ??= structuredClone(slice);
    const target = copy.endpoints![i];
    target.conditions = { ...target.conditions, ready: false, serving: false };
  });
  return copy ?? slice;
}

/** `ep` with failing addresses moved to notReadyAddresses (a copy), or `ep` itself when none fails. */
export function endpointsWithVerdicts(ep: Endpoints, verdict: EndpointVerdict): Endpoints {
  let changed = false;
  const subsets = (ep.subsets ?? []).map((s) => {
    const ports = (s.ports ?? []).map((p) => p.port);
    const down = (s.addresses ?? []).filter((a) => failing(a.ip, ports, verdict));
    if (down.length === 0) return s;
    changed = true;
    const out = structuredClone(s);
    const up = (s.addresses ?? []).filter((a) => !down.includes(a));
    if (up.length > 0) out.addresses = structuredClone(up);
    else delete out.addresses;
    out.notReadyAddresses = [...(out.notReadyAddresses ?? []), ...structuredClone(down)];
    return out;
  });
  return changed ? { ...ep, subsets } : ep;
}

/** What a name of an FQDN slice resolves to now (discovery's resolver); undefined when not known. */
export type NameAddresses = (name: string) => readonly string[] | undefined;

export function createEndpointViews(index: ObjectIndex, isReady: (pod: Pod) => boolean, verdict: EndpointVerdict = () => undefined,
  names: NameAddresses = () => undefined): EndpointViews {
  const views = new Map<string, ServiceView>();

  const compute = (svc: Service, pods: Pod[], applied: EndpointSlice[]): ServiceView => {
    const ns = namespaceOf(svc.metadata);
    const name = svc.metadata.name ?? '';
    const selector = hasSelector(svc.spec.selector);
    // creationTimestamp keeps the generated objects identical between recomputations.
    const generated = selector ? computeEndpointSlices(svc, pods, isReady, svc.metadata.creationTimestamp) : [];
    const endpoints = selector ? computeEndpoints(svc, pods, isReady) : undefined;
    if (endpoints && svc.metadata.creationTimestamp) endpoints.metadata.creationTimestamp ??= svc.metadata.creationTimestamp;
    const manual = selector ? undefined : index.get('Endpoints', ns, name) as Endpoints | undefined;
    const declaredMirrored = manual ? mirrorEndpoints(manual) : [];
    const linked = applied.filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name);
    const mirrored = declaredMirrored.map((s) => sliceWithVerdicts(s, verdict));
    const appliedView = linked.map((s) => sliceWithVerdicts(s, verdict));
    // FQDN slices (applied, or mirrored from names in a manual Endpoints) as the IP slices their
    // names resolve to: fed to the data plane, DNS and the health loop, never listed.
    const resolvedDeclared = [...declaredMirrored, ...linked].filter((s) => s.addressType === 'FQDN').flatMap((s) => resolveFqdnSlice(s, names));
    const resolved = resolvedDeclared.map((s) => sliceWithVerdicts(s, verdict));
    const slices = [...generated, ...mirrored, ...appliedView, ...resolved];
    return {
      endpoints: endpoints ?? (manual ? endpointsWithVerdicts(manual, verdict) : undefined),
      generated, mirrored, applied: appliedView, slices, declared: [...generated, ...declaredMirrored, ...linked, ...resolvedDeclared],
      fingerprint: JSON.stringify([svc.spec, slices]),
    };
  };

  return {
    recompute(namespace, only) {
      const pods = index.list('Pod', namespace);
      const applied = index.list('EndpointSlice', namespace);
      const changed: string[] = [];
      const services = only
        ? [...only].map((n) => index.get('Service', namespace, n) as Service | undefined).filter((x) => x !== undefined)
        : index.list('Service', namespace);
      const present = new Set<string>();
      for (const svc of services) {
        const key = serviceKey(namespace, svc.metadata.name ?? '');
        present.add(key);
        const view = compute(svc, pods, applied);
        if (views.get(key)?.fingerprint !== view.fingerprint) changed.push(key);
        views.set(key, view);
      }
      const gone = only ? [...only].map((n) => serviceKey(namespace, n)) : [...views.keys()].filter((k) => k.startsWith(`${namespace}/`));
      for (const key of gone) {
        if (!present.has(key) && views.delete(key)) changed.push(key);
      }
      return changed;
    },
    get(namespace, name) {
      return views.get(serviceKey(namespace, name));
    },
    all() {
      return views.values();
    },
  };
}
