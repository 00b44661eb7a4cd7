// The discovery documents kubectl and client libraries read before anything else (API spec §2):
// aggregated discovery (apidiscovery.k8s.io/v2, what kubectl 1.32 asks for first) and the legacy
// APIVersions / APIGroupList / APIGroup / APIResourceList. Built from api-resources.ts. Pure.
import { API_RESOURCES, groupVersions, type ApiResource } from './api-resources.ts';

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

const SUBRESOURCES: Record<string, string[]> = { services: ['status'], pods: ['status'], namespaces: ['status'] };

function aggregatedResource(r: ApiResource): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.resource, responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singular, verbs: r.verbs,
  };
  if (r.shortNames) out.shortNames = r.shortNames;
  if (r.categories) out.categories = r.categories;
  const subs = SUBRESOURCES[r.resource];
  if (subs) out.subresources = subs.map((s) => ({ subresource: s, responseKind: { group: r.group, version: r.version, kind: r.kind }, verbs: ['get', 'patch', 'update'] }));
  return out;
}

/** `GET /api` (core: true) or `GET /apis` (named groups) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean): Record<string, unknown> {
  const groups = groupVersions().filter((gv) => (gv.group === '') === core);
  return {
    kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {},
    items: groups.map((gv) => ({
      metadata: { ...(gv.group ? { name: gv.group } : {}), creationTimestamp: null },
      versions: [{
        version: gv.version, freshness: 'Current',
        resources: API_RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version).map(aggregatedResource),
      }],
    })),
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = groupVersions().filter((gv) => gv.group === group).map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions().filter((gv) => gv.group !== '').map((gv) => gv.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g); return rest; }) };
}

/** `GET /apis/<group>`; undefined for a group switchyard does not serve. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  return groupVersions().some((gv) => gv.group === group) ? apiGroup(group) : undefined;
}

/** `GET /api/v1` or `GET /apis/<group>/<version>`; undefined when not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const rs = API_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of rs) {
    resources.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of SUBRESOURCES[r.resource] ?? []) {
      resources.push({ name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
