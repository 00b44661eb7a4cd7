// Server-side apply's field sets: which fields an object sets, as paths in the FieldsV1 vocabulary
// (`f:spec`, `k:{"port":80,"protocol":"TCP"}` for an element of a keyed list, `v:"x"` for a value of
// a set, `.` for a list element itself), read from and written to metadata.managedFields. Atomic
// lists and fields switchyard keeps opaque are one field each. Pure; any thread.
import { PatchError } from './patch-error.ts';
import { child, resolve, type Schema } from './schema.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One path: tokens joined by SEP. */
export type FieldPath = string;
const SEP = '\u0000';

/** Fields never owned: identity and bookkeeping the server sets, and status (a subresource upstream). */
const UNOWNED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** Upstream defaults for key fields an element may omit (SSA needs every key to tell elements apart). */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

export function elementKey(item: unknown, keys: string[]): string {
  if (!isObject(item)) throw new PatchError(`associative list with keys ${keys.join(',')} has an element that is not an object: ${JSON.stringify(item)}`);
  const fields: Obj = {};
  for (const k of [...keys].sort()) {
    const v = item[k] ?? KEY_DEFAULTS[k];
    if (v === undefined) throw new PatchError(`associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
    fields[k] = v;
  }
  return `k:${JSON.stringify(fields)}`;
}

function walk(value: unknown, schema: Schema | undefined, prefix: string[], out: Set<FieldPath>, top: boolean): void {
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (top && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
    if (prefix.length === 1 && prefix[0] === 'f:metadata' && UNOWNED_META.has(k)) continue;
    if (v === undefined) continue;
    const s = child(schema, k);
    const path = [...prefix, `f:${k}`];
    if (Array.isArray(v) && s?.type === 'array' && (s.listType === 'map' || s.listType === 'set')) {
      if (s.listType === 'set') {
        for (const e of v) out.add([...path, `v:${JSON.stringify(e)}`].join(SEP));
      } else {
        for (const e of v) {
          const ep = [...path, elementKey(e, s.listMapKeys!)];
          out.add([...ep, '.'].join(SEP));
          walk(e, s.items, ep, out, false);
        }
      }
    } else if (isObject(v) && Object.keys(v).length > 0 && s && s.type !== 'any' && (s.type === 'map' || resolve(s))) {
      walk(v, s, path, out, false);
    } else {
      out.add(path.join(SEP));
    }
  }
}

/** Every field `obj` sets, leaf by leaf. */
export function fieldsOf(obj: unknown, schema: Schema): Set<FieldPath> {
  const out = new Set<FieldPath>();
  walk(obj, schema, [], out, true);
  return out;
}

export const tokens = (p: FieldPath): string[] => p.split(SEP);

/** `{"f:spec":{"f:ports":{…}}}`: the FieldsV1 JSON of a set (a path's prefixes become its parents). */
export function toFieldsV1(set: Set<FieldPath>): Obj {
  const root: Obj = {};
  for (const p of [...set].sort()) {
    let node = root;
    for (const t of tokens(p)) node = (node[t] ??= {}) as Obj;
  }
  return root;
}

export function fromFieldsV1(v: unknown): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const visit = (node: unknown, prefix: string[]) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && prefix.length > 0) out.add(prefix.join(SEP));
    for (const k of keys) visit(node[k], [...prefix, k]);
  };
  visit(v, []);
  return out;
}

/** `.spec.ports[port=80,protocol="TCP"].targetPort`, as conflicts name fields. */
export function renderPath(p: FieldPath): string {
  let s = '';
  for (const t of tokens(p)) {
    if (t === '.') continue;
    if (t.startsWith('f:')) s += `.${t.slice(2)}`;
    else if (t.startsWith('k:')) {
      const k = JSON.parse(t.slice(2)) as Obj;
      s += `[${Object.entries(k).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (t.startsWith('v:')) s += `[=${t.slice(2)}]`;
  }
  return s;
}

const MISSING = Symbol('missing');

/** The value at `p` in `obj` (MISSING when absent), following keyed-list and set tokens. */
export function valueAt(obj: unknown, p: FieldPath, schema: Schema): unknown {
  let cur: unknown = obj;
  let s: Schema | undefined = schema;
  for (const t of tokens(p)) {
    if (t === '.') return cur;
    if (t.startsWith('f:')) {
      if (!isObject(cur) || !Object.hasOwn(cur, t.slice(2))) return MISSING;
      cur = cur[t.slice(2)];
      s = child(s, t.slice(2));
    } else if (t.startsWith('k:')) {
      if (!Array.isArray(cur) || s?.type !== 'array') return MISSING;
      const keys = s.listMapKeys!;
      cur = cur.find((e) => { try { return elementKey(e, keys) === t; } catch { return false; } });
      if (cur === undefined) return MISSING;
      s = s.items;
    } else if (t.startsWith('v:')) {
      if (!Array.isArray(cur)) return MISSING;
      const want = t.slice(2);
      return cur.some((e) => JSON.stringify(e) === want) ? JSON.parse(want) : MISSING;
    }
  }
  return cur;
}

export const isMissing = (v: unknown) => v === MISSING;

/** Removes the field, element or set value at `p` from `obj` (in place); parents left empty stay. */
export function removeAt(obj: unknown, p: FieldPath, schema: Schema): void {
  const ts = tokens(p).filter((t) => t !== '.');
  let cur: unknown = obj;
  let s: Schema | undefined = schema;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const last = i === ts.length - 1;
    if (t.startsWith('f:')) {
      if (!isObject(cur)) return;
      if (last) { delete cur[t.slice(2)]; return; }
      cur = cur[t.slice(2)];
      s = child(s, t.slice(2));
    } else if (t.startsWith('k:')) {
      if (!Array.isArray(cur) || s?.type !== 'array') return;
      const keys = s.listMapKeys!;
      const at = cur.findIndex((e) => { try { return elementKey(e, keys) === t; } catch { return false; } });
      if (at < 0) return;
      if (last) { cur.splice(at, 1); return; }
      cur = cur[at];
      s = s.items;
    } else if (t.startsWith('v:')) {
      if (!Array.isArray(cur)) return;
      const at = cur.findIndex((e) => JSON.stringify(e) === t.slice(2));
      if (at >= 0) cur.splice(at, 1);
      return;
    }
  }
}
