// Maps Kubernetes REST paths onto the kinds switchyard serves. Pure; main thread.
//   /api/v1/{resource}                                   list across namespaces
//   /api/v1/namespaces/{ns}/{resource}[/{name}]
//   /apis/discovery.k8s.io/v1/endpointslices
//   /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices[/{name}]
import { KINDS, type KindName } from '../model/types.ts';
import { badRequest } from '../model/api-error.ts';

export type ServedKind = KindName | 'Event';

export interface ResourcePath {
  kind: ServedKind;
  resource: string;
  apiVersion: string;
  namespace?: string;
  name?: string;
}

const EVENTS = { kind: 'Event' as const, resource: 'events', apiVersion: 'v1' };

/** `prefix` (`/api/v1` or `/apis/<group>/<version>`) + resource name → kind. */
const BY_PREFIX = new Map<string, Map<string, { kind: ServedKind; resource: string; apiVersion: string }>>();
for (const [kind, info] of Object.entries(KINDS) as [KindName, (typeof KINDS)[KindName]][]) {
  const prefix = info.apiVersion === 'v1' ? '/api/v1' : `/apis/${info.apiVersion}`;
  if (!BY_PREFIX.has(prefix)) BY_PREFIX.set(prefix, new Map());
  BY_PREFIX.get(prefix)!.set(info.resource, { kind, resource: info.resource, apiVersion: info.apiVersion });
}
BY_PREFIX.get('/api/v1')!.set('events', EVENTS);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('SY_BAD_PATH', `the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** undefined when the path names nothing switchyard serves (the caller answers 404). */
export function resolveResourcePath(pathname: string): ResourcePath | undefined {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  for (const [prefix, resources] of BY_PREFIX) {
    if (!path.startsWith(prefix + '/')) continue;
    const rest = path.slice(prefix.length + 1).split('/').map(decode);
    if (rest.some((s) => s === '')) return undefined;
    if (rest.length === 1) {
      const r = resources.get(rest[0]);
      return r ? { ...r } : undefined;
    }
    if (rest[0] !== 'namespaces' || rest.length < 3 || rest.length > 4) return undefined;
    const r = resources.get(rest[2]);
    return r ? { ...r, namespace: rest[1], name: rest[3] } : undefined;
  }
  return undefined;
}

/** Methods a path accepts: events are read-only; collections across namespaces are lists only. */
export function allowedMethods(p: ResourcePath): string[] {
  if (p.kind === 'Event' || p.namespace === undefined) return ['GET', 'HEAD'];
  return p.name === undefined ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'];
}
