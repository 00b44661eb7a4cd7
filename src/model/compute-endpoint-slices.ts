// The EndpointSlice controller (spec §3.2, §3.3; k8s.io/endpointslice reconciler.go, utils.go):
// the slices a selector Service should have for the given Pods. Runs on the main thread (control
// plane) whenever a Service, a Pod or a readiness bit changes. Pure.
import { findPort } from './find-port.ts';
import { isServiceIPSet } from './is-service-ip-set.ts';
import { compareIPs, isIPv6String } from './ip-address.ts';
import { namespaceOf } from './namespace-of.ts';
import { podIPs, shouldPodBeInEndpoints, shouldSetHostname } from './pod-ready.ts';
import { hasSelector, matchesSelector } from './selector.ts';
import { sliceName, slicePrefix } from './slice-name.ts';
import type { EndpointSlice, Pod, Service, SliceEndpoint, SlicePort } from './types.ts';
import { ENDPOINTSLICE_CONTROLLER, LABEL_HEADLESS, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './well-known-labels.ts';

/** `maxEndpointsPerSlice`, the kube-controller-manager default. */
const MAX_ENDPOINTS_PER_SLICE = 100;

type AddressType = 'IPv4' | 'IPv6';

/** `getAddressTypesForService`: ipFamilies, else the clusterIP's family, else (headless) both. */
function addressTypesForService(service: Service): AddressType[] {
  const fromFamilies = (['IPv4', 'IPv6'] as const).filter((f) => service.spec.ipFamilies?.includes(f));
  if (fromFamilies.length > 0) return fromFamilies;
  if (isServiceIPSet(service)) return [isIPv6String(service.spec.clusterIP) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** `getEndpointPorts`: one slice port per Service port the Pod resolves; unresolved ones are left out. */
function endpointPortsFor(service: Service, pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of service.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** Order-independent identity of a port set (upstream hashes the sorted list: NewPortMapKey). */
export function portSetKey(ports: SlicePort[]): string {
  return JSON.stringify(ports
    .map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? null])
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
}

/** `setEndpointSliceLabels`: Service labels minus reserved keys, then headless, name, managed-by. */
function sliceLabels(service: Service, managedBy: string): Record<string, string> {
  const reserved = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS]);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.labels ?? {})) if (!reserved.has(k)) labels[k] = v;
  if (!isServiceIPSet(service)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = managedBy;
  return labels;
}

/** `podToEndpoint`, with readiness from `isReady` instead of the Pod's Ready condition. */
function podToEndpoint(pod: Pod, service: Service, addresses: string[], isReady: (pod: Pod) => boolean): SliceEndpoint {
  const serving = isReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating Pod is never ready unless the Service publishes not-ready addresses.
  const ready = !!service.spec.publishNotReadyAddresses || (serving && !terminating);
  const ep: SliceEndpoint = { addresses, conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, service)) ep.hostname = pod.spec.hostname;
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  ep.targetRef = { kind: 'Pod', namespace: namespaceOf(pod.metadata), name: pod.metadata.name };
  if (pod.metadata.uid) ep.targetRef.uid = pod.metadata.uid;
  return ep;
}

interface Group { addressType: AddressType; ports: SlicePort[]; key: string; endpoints: SliceEndpoint[] }

function byAddressThenName(a: SliceEndpoint, b: SliceEndpoint): number {
  const na = a.targetRef?.name ?? '';
  const nb = b.targetRef?.name ?? '';
  return compareIPs(a.addresses[0], b.addresses[0]) || (na < nb ? -1 : na > nb ? 1 : 0);
}

/** The Pods a Service selects: same namespace, equality selector. */
export function selectedPods(service: Service, pods: Pod[]): Pod[] {
  const ns = namespaceOf(service.metadata);
  return pods.filter((p) => namespaceOf(p.metadata) === ns && matchesSelector(service.spec.selector, p.metadata.labels));
}

/**
 * Exactly the slices the EndpointSlice controller would hold for `service`: one endpoint per Pod
 * and address family, grouped by identical resolved port set, at most 100 endpoints per slice, and
 * an empty placeholder slice for a family with no endpoints. [] for ExternalName and selector-less
 * Services. Names are deterministic (slice-name.ts); endpoints are ordered by address.
 * `now` (RFC 3339) becomes metadata.creationTimestamp when given.
 */
export function computeEndpointSlices(service: Service, pods: Pod[], isReady: (pod: Pod) => boolean, now?: string): EndpointSlice[] {
  if (service.spec.type === 'ExternalName' || !hasSelector(service.spec.selector)) return [];
  const svcName = service.metadata.name ?? '';
  const families = addressTypesForService(service);
  const groups = new Map<string, Group>();
  for (const pod of selectedPods(service, pods)) {
    // Terminating Pods stay in slices, flagged by their conditions.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPortsFor(service, pod);
    const key = portSetKey(ports);
    const ips = podIPs(pod);
    for (const family of families) {
      const addresses = ips.filter((ip) => isIPv6String(ip) === (family === 'IPv6'));
      if (addresses.length === 0) continue;
      const gk = `${family}|${key}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, g = { addressType: family, ports, key, endpoints: [] });
      g.endpoints.push(podToEndpoint(pod, service, addresses, isReady));
    }
  }

  const taken = new Set<string>();
  const slices: EndpointSlice[] = [];
  const make = (addressType: AddressType, ports: SlicePort[], identity: string, endpoints: SliceEndpoint[]): EndpointSlice => {
    const metadata: EndpointSlice['metadata'] = {
      name: sliceName(svcName, identity, taken), generateName: slicePrefix(svcName),
      namespace: namespaceOf(service.metadata), labels: sliceLabels(service, ENDPOINTSLICE_CONTROLLER),
    };
    if (now) metadata.creationTimestamp = now;
    return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType, endpoints, ports: ports.map((p) => ({ ...p })) };
  };
  const sortedGroups = [...groups.values()].sort((a, b) => (a.addressType + a.key < b.addressType + b.key ? -1 : 1));
  for (const family of families) {
    const mine = sortedGroups.filter((g) => g.addressType === family);
    // The controller keeps one empty slice per family so consumers can tell "no endpoints" from "not synced".
    if (mine.length === 0) slices.push(make(family, [], `${family}|${portSetKey([])}`, []));
    for (const g of mine) {
      g.endpoints.sort(byAddressThenName);
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        const chunk = i / MAX_ENDPOINTS_PER_SLICE;
        const identity = `${family}|${g.key}${chunk === 0 ? '' : `|${chunk}`}`;
        slices.push(make(family, g.ports, identity, g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE)));
      }
    }
  }
  return slices;
}
