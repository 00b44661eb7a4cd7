// Strategic merge patch (`application/strategic-merge-patch+json`), server side: maps merge
// key by key, lists merge element by element where the schema gives them a merge strategy and key
// (ports by port, containers by name, …) and are replaced otherwise, and the directives kubectl
// sends are honoured: `$patch: delete|replace|merge`, `$setElementOrder/<list>`,
// `$deleteFromPrimitiveList/<list>` and `$retainKeys`. Directive keys never reach the result.
// Pure; any thread.
import { PatchError } from './patch-error.ts';
import { child, type Schema } from './schema.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** `patch` without directive keys, recursively (what a replaced or appended value becomes). */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isObject(e) && e.$patch === 'replace')).map(strip);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = strip(x);
  return out;
}

function checkDirective(p: unknown): void {
  if (p !== undefined && p !== 'replace' && p !== 'delete' && p !== 'merge') {
    throw new PatchError(`Unknown patch type: ${JSON.stringify(p)}`);
  }
}

const sameKey = (a: unknown, b: unknown, key: string) => isObject(a) && isObject(b) && JSON.stringify(a[key]) === JSON.stringify(b[key]);

function mergeList(orig: unknown[], patch: unknown[], schema: Extract<Schema, { type: 'array' }>): unknown[] {
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) return strip(patch) as unknown[];
  const key = schema.patchMergeKey;
  const out = structuredClone(orig);
  if (!key) {
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    return out;
  }
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`a list merged by ${JSON.stringify(key)} must hold objects, got ${JSON.stringify(p)}`);
    checkDirective(p.$patch);
    if (p.$patch === 'delete') {
      for (let i = out.length - 1; i >= 0; i--) if (sameKey(out[i], p, key)) out.splice(i, 1);
      continue;
    }
    if (!Object.hasOwn(p, key)) throw new PatchError(`map: ${JSON.stringify(strip(p))} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => sameKey(o, p, key));
    if (at >= 0) out[at] = merge(out[at], p, schema.items);
    else out.push(strip(p));
  }
  return out;
}

/** Puts the elements named in `order` into that order, at the places those elements occupy. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const rank = (e: unknown) => order.findIndex((o) => (key ? sameKey(o, e, key) : JSON.stringify(o) === JSON.stringify(e)));
  const listed = list.filter((e) => rank(e) >= 0).sort((a, b) => rank(a) - rank(b));
  let next = 0;
  return list.map((e) => (rank(e) >= 0 ? listed[next++] : e));
}

function merge(original: unknown, patch: unknown, schema: Schema | undefined): unknown {
  if (!isObject(patch)) return patch;
  checkDirective(patch.$patch);
  if (patch.$patch === 'replace') return strip(patch);
  const out: Obj = isObject(original) ? { ...original } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(ORDER)) continue;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(v)) throw new PatchError(`${k} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((e) => !v.some((d) => JSON.stringify(d) === JSON.stringify(e)));
      continue;
    }
    if (k.startsWith('$')) throw new PatchError(`unknown patch directive ${JSON.stringify(k)}`);
    const fieldSchema = child(schema, k);
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = fieldSchema?.type === 'array' && fieldSchema.patchStrategy && Array.isArray(out[k])
        ? mergeList(out[k] as unknown[], v, fieldSchema)
        : fieldSchema?.type === 'array' && fieldSchema.patchStrategy ? mergeList([], v, fieldSchema) : strip(v);
    } else if (isObject(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = merge(out[k], v, fieldSchema);
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(ORDER)) continue;
    const field = k.slice(ORDER.length);
    const fieldSchema = child(schema, field);
    if (!Array.isArray(v)) throw new PatchError(`${k} must be a list`);
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as unknown[], v, fieldSchema?.type === 'array' ? fieldSchema.patchMergeKey : undefined);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `original`; `schema` is the object's top-level schema. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: Schema): unknown {
  if (!isObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  return merge(structuredClone(original), patch, schema);
}
