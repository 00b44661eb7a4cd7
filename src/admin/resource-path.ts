// Maps Kubernetes REST paths onto the resources switchyard serves (api-resources.ts). Pure.
//   /api/v1/{resource}                                  every namespace (kubectl get -A)
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/status]]
//   /api/v1/namespaces[/{name}[/status|/finalize]]      namespaces (cluster-scoped)
//   /apis/discovery.k8s.io/v1/[namespaces/{ns}/]endpointslices[/{name}]
//   /api/v1/watch/…, /apis/…/watch/…                    the deprecated watch prefix
import { API_RESOURCES, type ApiResource } from '../api/api-resources.ts';
import { badRequest } from '../model/api-error.ts';
import type { ApiKindName } from '../model/types.ts';

export interface ResourcePath {
  kind: ApiKindName;
  resource: string;
  apiVersion: string;
  group: string;
  info: ApiResource;
  /** The namespace of a namespaced path; undefined = every namespace (or a cluster-scoped kind). */
  namespace?: string;
  name?: string;
  subresource?: 'status' | 'finalize';
  /** The path used the deprecated `/watch/` prefix. */
  watchPrefix?: boolean;
}

/** `/api/v1` or `/apis/<group>/<version>` → resource name → resource. */
const BY_PREFIX = new Map<string, Map<string, ApiResource>>();
for (const r of API_RESOURCES) {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (!BY_PREFIX.has(prefix)) BY_PREFIX.set(prefix, new Map());
  BY_PREFIX.get(prefix)!.set(r.resource, r);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('SY_BAD_PATH', `the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

const make = (r: ApiResource, extra: Partial<ResourcePath> = {}): ResourcePath =>
  ({ kind: r.kind, resource: r.resource, apiVersion: r.apiVersion, group: r.group, info: r, ...extra });

function subresource(s: string | undefined, r: ApiResource): ResourcePath['subresource'] | null {
  if (s === undefined) return undefined;
  if (s === 'status' && ['services', 'pods', 'namespaces'].includes(r.resource)) return 'status';
  if (s === 'finalize' && r.resource === 'namespaces') return 'finalize';
  return null;
}

/** undefined when the path names nothing switchyard serves (the caller answers 404). */
export function resolveResourcePath(pathname: string): ResourcePath | undefined {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  for (const [prefix, resources] of BY_PREFIX) {
    if (!path.startsWith(prefix + '/')) continue;
    let rest = path.slice(prefix.length + 1).split('/').map(decode);
    if (rest.some((s) => s === '')) return undefined;
    let watchPrefix = false;
    if (rest[0] === 'watch') { watchPrefix = true; rest = rest.slice(1); }
    const namespaces = resources.get('namespaces');
    if (rest[0] === 'namespaces' && namespaces && rest.length <= 3 && (rest.length < 3 || !resources.has(rest[2]))) {
      // The Namespace objects themselves: /namespaces[/{name}[/status|/finalize]].
      const sub = subresource(rest[2], namespaces);
      if (sub === null) return undefined;
      return make(namespaces, { name: rest[1], subresource: sub, watchPrefix });
    }
    if (rest.length === 1) {
      const r = resources.get(rest[0]);
      return r ? make(r, { watchPrefix }) : undefined;
    }
    if (rest[0] !== 'namespaces' || rest.length < 3 || rest.length > 5) return undefined;
    const r = resources.get(rest[2]);
    if (!r || !r.namespaced) return undefined;
    const sub = subresource(rest[4], r);
    if (sub === null) return undefined;
    return make(r, { namespace: rest[1], name: rest[3], subresource: sub, watchPrefix });
  }
  return undefined;
}

/**
 * Methods a path accepts: read-only resources and cross-namespace collections only read (upstream
 * routes neither POST nor deletecollection there); a namespaced collection takes DELETE where the
 * resource publishes `deletecollection`.
 */
export function allowedMethods(p: ResourcePath): string[] {
  const writable = p.info.verbs.includes('create');
  const collection = p.name === undefined;
  if (!writable || p.watchPrefix || (collection && p.info.namespaced && p.namespace === undefined)) return ['GET', 'HEAD'];
  if (!collection) return ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'];
  return p.info.verbs.includes('deletecollection') ? ['GET', 'HEAD', 'POST', 'DELETE'] : ['GET', 'HEAD', 'POST'];
}
