// Resolves kubectl-style resource arguments (`svc web`, `svc/web`, `endpointslices.discovery.k8s.io`,
// `leases`) to the served namespaced kinds (api-resources.ts: the applied kinds, and the server's
// read-only Events and Leases). Pure; runs in the CLI process.
import { API_RESOURCES, resourceOfKind } from '../api/api-resources.ts';
import type { ApiKindName } from '../model/types.ts';
import { UsageError } from './cli-error.ts';

/** The kinds these verbs name: every served kind but the cluster-scoped Namespace. */
export type NamespacedKind = Exclude<ApiKindName, 'Namespace'>;

const ALIASES = new Map<string, NamespacedKind>();
for (const r of API_RESOURCES) {
  if (!r.namespaced || r.kind === 'Namespace') continue;
  for (const n of [r.resource, r.singular, ...r.shortNames ?? []]) {
    ALIASES.set(n, r.kind);
    if (r.group) ALIASES.set(`${n}.${r.group}`, r.kind);
  }
}

/** The resource name kubectl prints in `deleted` lines: `services`→`service`, with its group. */
export function singularResource(kind: NamespacedKind): string {
  const r = resourceOfKind(kind);
  return r.singular + (r.group ? `.${r.group}` : '');
}

function resolveKind(word: string, verb: string): NamespacedKind {
  const kind = ALIASES.get(word.toLowerCase());
  if (!kind) {
    throw new UsageError(`the server doesn't have a resource type "${word}" (switchyard serves services (svc), endpoints (ep), endpointslices, pods (po), events (ev) and leases)`, verb);
  }
  return kind;
}

export interface ResourceRef { kind: NamespacedKind; name: string }

/**
 * `TYPE [NAME…]` or `TYPE/NAME…`. Returns the kind (when one type is given) and the named refs;
 * `names` is empty when only a type was given.
 */
export function parseResourceArgs(args: string[], verb: string): { kind?: NamespacedKind; refs: ResourceRef[] } {
  if (args.length === 0) throw new UsageError('you must specify the type of resource (services, endpoints, endpointslices or pods)', verb);
  if (args[0].includes('/')) {
    const refs = args.map((a) => {
      const at = a.indexOf('/');
      if (at < 0) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'switchyard ${verb} svc/web' instead of 'switchyard ${verb} svc web')`, verb);
      const name = a.slice(at + 1);
      if (!name) throw new UsageError(`arguments in resource/name form must have a single resource and name: ${JSON.stringify(a)}`, verb);
      return { kind: resolveKind(a.slice(0, at), verb), name };
    });
    return { refs };
  }
  if (args[0].includes(',')) throw new UsageError('several resource types at once are not supported; give one type', verb);
  const kind = resolveKind(args[0], verb);
  return { kind, refs: args.slice(1).map((name) => ({ kind, name })) };
}
