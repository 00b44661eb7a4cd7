// The EndpointSliceMirroring controller (spec §3.4; k8s pkg/controller/endpointslicemirroring):
// the slices a manually written Endpoints object turns into, so the data plane reads only slices.
// The caller mirrors only Endpoints whose Service exists and has no selector (as upstream does).
// Runs on the main thread. Pure.
import { portSetKey } from './compute-endpoint-slices.ts';
import { canonicalIP, ipFamilyOf } from './ip-address.ts';
import { fqdnKey } from './resolve-fqdn-slice.ts';
import { namespaceOf } from './namespace-of.ts';
import { sliceName, slicePrefix } from './slice-name.ts';
import type { EndpointAddress, Endpoints, EndpointSlice, SliceEndpoint, SlicePort } from './types.ts';
import {
  ANNOTATION_LAST_APPLIED, ANNOTATION_LAST_CHANGE_TRIGGER_TIME, ANNOTATION_LEADER_ELECTION, LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MIRRORING_CONTROLLER,
} from './well-known-labels.ts';

/** `maxEndpointsPerSubset`, the kube-controller-manager default for mirroring. */
export const MAX_MIRRORED_PER_SUBSET = 1000;

/** A DNS name where an IP should be: switchyard mirrors it into an FQDN slice and resolves it. */
const isName = (s: string) => /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/i.test(s) && !s.includes(':');

/** `addressToEndpoint`: undefined when the IP does not parse (upstream skips it with a warning event). */
function addressToEndpoint(address: EndpointAddress, ready: boolean): SliceEndpoint | undefined {
  const ip = canonicalIP(address.ip) ?? (isName(address.ip) ? fqdnKey(address.ip) : undefined);
  if (ip === undefined) return undefined;
  const ep: SliceEndpoint = { addresses: [ip], conditions: { ready } };
  if (address.hostname) ep.hostname = address.hostname;
  if (address.nodeName !== undefined) ep.nodeName = address.nodeName;
  if (address.targetRef) ep.targetRef = { ...address.targetRef };
  return ep;
}

/** `hashEndpoint`: endpoints equal in address, hostname and target are one (the later one wins). */
const endpointIdentity = (ep: SliceEndpoint) =>
  JSON.stringify([ep.addresses, ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);

export interface MirrorResult {
  slices: EndpointSlice[];
  /** Addresses left out because their IP did not parse. */
  invalidAddresses: number;
  /** Addresses left out for any reason, including the per-subset limit. */
  skippedAddresses: number;
}

/** Like `mirrorEndpoints`, with the counts upstream reports as Warning events. */
export function mirrorEndpointsDetailed(ep: Endpoints): MirrorResult {
  const result: MirrorResult = { slices: [], invalidAddresses: 0, skippedAddresses: 0 };
  if (ep.metadata.labels?.[LABEL_SKIP_MIRROR] === 'true') return result;
  // Leader-election lock objects are Endpoints too; they carry no traffic.
  if (ep.metadata.annotations?.[ANNOTATION_LEADER_ELECTION] !== undefined) return result;

  const groups = new Map<string, { addressType: 'IPv4' | 'IPv6' | 'FQDN'; ports: SlicePort[]; endpoints: Map<string, SliceEndpoint> }>();
  for (const subset of ep.subsets ?? []) {
    const ports: SlicePort[] = (subset.ports ?? []).map((p) => {
      const sp: SlicePort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol !== undefined) sp.appProtocol = p.appProtocol;
      return sp;
    });
    const key = portSetKey(ports);
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    const entries: [EndpointAddress, boolean][] = [
      ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
      ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
    ];
    for (const [address, ready] of entries) {
      if (added >= MAX_MIRRORED_PER_SUBSET) break;
      const endpoint = addressToEndpoint(address, ready);
      const family = ipFamilyOf(address.ip) ?? (endpoint ? 'FQDN' : undefined);
      if (!endpoint || !family) { result.invalidAddresses++; continue; }
      const gk = `${family}|${key}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, g = { addressType: family, ports, endpoints: new Map() });
      g.endpoints.set(endpointIdentity(endpoint), endpoint);
      added++;
    }
    result.skippedAddresses += total - added;
  }

  const name = ep.metadata.name ?? '';
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.labels ?? {})) {
    if (k !== LABEL_MANAGED_BY && k !== LABEL_SERVICE_NAME) labels[k] = v;
  }
  labels[LABEL_SERVICE_NAME] = name;
  labels[LABEL_MANAGED_BY] = MIRRORING_CONTROLLER;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) {
    if (k !== ANNOTATION_LAST_CHANGE_TRIGGER_TIME && k !== ANNOTATION_LAST_APPLIED) annotations[k] = v;
  }

  const taken = new Set<string>();
  const keys = [...groups.keys()].sort();
  for (const gk of keys) {
    const g = groups.get(gk)!;
    // One slice per (family, port set); merged subsets beyond the limit are dropped, as upstream.
    const endpoints = [...g.endpoints.values()].slice(0, MAX_MIRRORED_PER_SUBSET);
    result.skippedAddresses += g.endpoints.size - endpoints.length;
    const metadata: EndpointSlice['metadata'] = {
      name: sliceName(name, gk, taken), generateName: slicePrefix(name), namespace: namespaceOf(ep.metadata),
      labels: { ...labels },
    };
    if (Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
    result.slices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: g.addressType,
      endpoints, ports: g.ports.map((p) => ({ ...p })),
    });
  }
  return result;
}

/** The mirrored slices of a manual Endpoints object (managed-by endpointslicemirroring-controller.k8s.io). */
export function mirrorEndpoints(ep: Endpoints): EndpointSlice[] {
  return mirrorEndpointsDetailed(ep).slices;
}
