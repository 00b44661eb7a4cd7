// Resolves kubectl-style resource arguments (`svc web`, `svc/web`, `endpointslices.discovery.k8s.io`)
// to the served kinds. Pure; runs in the CLI process.
import type { KindName } from '../model/types.ts';
import { KINDS } from '../model/types.ts';
import { UsageError } from './cli-error.ts';

const ALIASES = new Map<string, KindName>();
for (const [kind, info] of Object.entries(KINDS) as [KindName, (typeof KINDS)[KindName]][]) {
  const group = info.apiVersion.includes('/') ? info.apiVersion.split('/')[0] : '';
  for (const n of [info.resource, kind.toLowerCase(), ...info.short]) {
    ALIASES.set(n, kind);
    if (group) ALIASES.set(`${n}.${group}`, kind);
  }
}

/** The resource name kubectl prints in `deleted` lines: `services`→`service`, with its group. */
export function singularResource(kind: KindName): string {
  const group = KINDS[kind].apiVersion.includes('/') ? '.' + KINDS[kind].apiVersion.split('/')[0] : '';
  return kind.toLowerCase() + group;
}

function resolveKind(word: string, verb: string): KindName {
  const kind = ALIASES.get(word.toLowerCase());
  if (!kind) {
    throw new UsageError(`the server doesn't have a resource type "${word}" (switchyard serves services (svc), endpoints (ep), endpointslices and pods (po))`, verb);
  }
  return kind;
}

export interface ResourceRef { kind: KindName; name: string }

/**
 * `TYPE [NAME…]` or `TYPE/NAME…`. Returns the kind (when one type is given) and the named refs;
 * `names` is empty when only a type was given.
 */
export function parseResourceArgs(args: string[], verb: string): { kind?: KindName; refs: ResourceRef[] } {
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
