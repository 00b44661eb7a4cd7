// `-o yaml|json|name` output. kubectl prints objects through Go maps, so keys come out sorted at
// every level; several objects are wrapped in a `List`. Pure; runs in the CLI process.
import { stringify } from 'yaml';
import { resourceOfKind } from '../../api/api-resources.ts';
import type { ApiObject } from '../../model/types.ts';

export type OutputFormat = 'yaml' | 'json' | 'name';

/** kubectl's `-o name` prefix of a served kind: its singular resource, then `.group` for non-core groups. */
function namePrefix(kind: ApiObject['kind']): string {
  const r = resourceOfKind(kind);
  return r ? r.singular + (r.group ? `.${r.group}` : '') : String(kind).toLowerCase();
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function objectName(obj: ApiObject): string {
  return `${namePrefix(obj.kind)}/${obj.metadata.name ?? ''}`;
}

/** One object prints as itself; zero or several as a v1 List (as `kubectl get -o yaml` does). */
export function renderObjects(objects: ApiObject[], format: OutputFormat, asList: boolean): string {
  if (format === 'name') return objects.map((o) => objectName(o) + '\n').join('');
  const doc = asList || objects.length !== 1
    ? { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } }
    : objects[0];
  const sorted = sortKeys(doc);
  if (format === 'json') return JSON.stringify(sorted, null, 4) + '\n';
  return stringify(sorted, { indentSeq: false, lineWidth: 0 });
}
