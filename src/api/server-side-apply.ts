// Server-side apply (`application/apply-patch+yaml`) and the field ownership every write records
// in metadata.managedFields: an apply merges the configuration into the live object, fails on a
// field another manager owns with a different value (unless forced), and removes the fields this
// manager applied before but no longer does, when nobody else owns them; an ordinary write
// (POST, PUT, other patches) makes its manager the owner of every field it changed. Pure.
import type { ManagedFieldsEntry } from '../model/types.ts';
import { elementKey, fieldsOf, fromFieldsV1, isMissing, removeAt, renderPath, toFieldsV1, tokens, valueAt, type FieldPath } from './field-set.ts';
import { jsonEqual } from './json-patch.ts';
import { child, resolve, type Schema } from './schema.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Conflict { manager: string; path: FieldPath }

/** An apply that would take fields from other managers; the API answers 409 Conflict. */
export class ApplyConflictError extends Error {
  readonly conflicts: Conflict[];
  constructor(conflicts: Conflict[], managers: Map<string, ManagedFieldsEntry>) {
    const name = (m: string) => {
      const e = managers.get(m);
      return e?.operation === 'Update' ? `${JSON.stringify(e.manager)} using ${e.apiVersion}` : JSON.stringify(e?.manager ?? m);
    };
    let text: string;
    if (conflicts.length === 1) text = `conflict with ${name(conflicts[0].manager)}: ${renderPath(conflicts[0].path)}`;
    else {
      const by = new Map<string, string[]>();
      for (const c of conflicts) by.set(c.manager, [...(by.get(c.manager) ?? []), renderPath(c.path)]);
      text = [...by.keys()].sort().flatMap((m) => [`conflicts with ${name(m)}:`, ...by.get(m)!.map((p) => `- ${p}`)]).join('\n');
    }
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${text}`);
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
    this.causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${name(c.manager)}`, field: renderPath(c.path) }));
  }
  readonly causes: { reason: string; message: string; field: string }[];
}

const entryId = (e: ManagedFieldsEntry) => `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ''}`;

function mergeInto(live: unknown, config: unknown, schema: Schema | undefined): unknown {
  if (!isObject(config)) return structuredClone(config);
  if (schema?.type === 'any' || (!resolve(schema) && schema?.type !== 'map' && schema !== undefined)) return structuredClone(config);
  const out: Obj = isObject(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(config)) {
    if (v === null || v === undefined) continue;
    const s = child(schema, k);
    if (Array.isArray(v) && s?.type === 'array' && s.listType === 'map' && Array.isArray(out[k])) {
      const list = structuredClone(out[k] as unknown[]);
      for (const e of v) {
        const key = elementKey(e, s.listMapKeys!);
        const at = list.findIndex((x) => { try { return elementKey(x, s.listMapKeys!) === key; } catch { return false; } });
        if (at >= 0) list[at] = mergeInto(list[at], e, s.items);
        else list.push(structuredClone(e));
      }
      out[k] = list;
    } else if (Array.isArray(v) && s?.type === 'array' && s.listType === 'set' && Array.isArray(out[k])) {
      const list = [...(out[k] as unknown[])];
      for (const e of v) if (!list.some((x) => jsonEqual(x, e))) list.push(e);
      out[k] = list;
    } else if (isObject(v) && s && (s.type === 'map' || resolve(s))) {
      out[k] = mergeInto(out[k], v, s);
    } else {
      out[k] = structuredClone(v);
    }
  }
  return out;
}

export interface ApplyRequest {
  live: Obj | undefined;
  config: Obj;
  manager: string;
  force: boolean;
  schema: Schema;
  apiVersion: string;
  /** RFC 3339 time of the write. */
  now: string;
}

/** The object after the apply, with its managedFields updated. Throws ApplyConflictError. */
export function serverSideApply(r: ApplyRequest): Obj {
  const live = r.live ?? {};
  const entries = ((live.metadata as Obj | undefined)?.managedFields as ManagedFieldsEntry[] | undefined) ?? [];
  const byId = new Map(entries.map((e) => [entryId(e), e]));
  const owned = new Map(entries.map((e) => [entryId(e), fromFieldsV1(e.fieldsV1)]));
  const selfId = entryId({ manager: r.manager, operation: 'Apply', apiVersion: r.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} });
  const applied = fieldsOf(r.config, r.schema);
  const conflicts: Conflict[] = [];
  for (const [id, set] of owned) {
    if (id === selfId) continue;
    for (const p of applied) {
      if (!set.has(p) || p.endsWith('\u0000.')) continue;
      if (!jsonEqual(valueAt(live, p, r.schema), valueAt(r.config, p, r.schema))) conflicts.push({ manager: id, path: p });
    }
  }
  if (conflicts.length > 0 && !r.force) throw new ApplyConflictError(conflicts, byId);
  for (const c of conflicts) owned.get(c.manager)!.delete(c.path);

  const merged = mergeInto(live, r.config, r.schema) as Obj;
  const before = owned.get(selfId) ?? new Set<FieldPath>();
  const ownedByOthers = (p: FieldPath) => {
    for (const [id, set] of owned) {
      if (id === selfId) continue;
      if (set.has(p)) return true;
      // An element stays while another manager owns anything inside it.
      if (p.endsWith('\u0000.')) {
        const prefix = p.slice(0, -1);
        for (const q of set) if (q.startsWith(prefix)) return true;
      }
    }
    return false;
  };
  // Deepest first, so an element is removed after (not instead of) its fields.
  const dropped = [...before].filter((p) => !applied.has(p) && !ownedByOthers(p)).sort((a, b) => tokens(b).length - tokens(a).length);
  for (const p of dropped) if (!isMissing(valueAt(merged, p, r.schema))) removeAt(merged, p, r.schema);

  owned.set(selfId, applied);
  byId.set(selfId, { manager: r.manager, operation: 'Apply', apiVersion: r.apiVersion, time: r.now, fieldsType: 'FieldsV1', fieldsV1: {} });
  if (!isObject(merged.metadata)) merged.metadata = {};
  (merged.metadata as Obj).managedFields = rebuild(byId, owned, new Set([selfId]), r.now);
  return merged;
}

function rebuild(byId: Map<string, ManagedFieldsEntry>, owned: Map<string, Set<FieldPath>>, touched: Set<string>, now: string): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const [id, e] of byId) {
    const set = owned.get(id);
    if (!set || set.size === 0) continue;
    out.push({ ...e, ...(touched.has(id) ? { time: now } : {}), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set) });
  }
  return out;
}

/**
 * managedFields after an ordinary write by `manager`: it owns every field that `next` sets with a
 * value `prev` did not have, and nobody keeps a field the write changed or removed.
 */
export function recordUpdate(prev: Obj | undefined, next: Obj, manager: string, schema: Schema, apiVersion: string, now: string,
  entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const byId = new Map(entries.map((e) => [entryId(e), e]));
  const owned = new Map(entries.map((e) => [entryId(e), fromFieldsV1(e.fieldsV1)]));
  const after = fieldsOf(next, schema);
  const beforeSet = prev ? fieldsOf(prev, schema) : new Set<FieldPath>();
  const changed = new Set<FieldPath>();
  for (const p of after) {
    if (!beforeSet.has(p) || !jsonEqual(valueAt(prev, p, schema), valueAt(next, p, schema))) changed.add(p);
  }
  const removed = [...beforeSet].filter((p) => !after.has(p));
  if (changed.size === 0 && removed.length === 0) return entries;
  const selfId = entryId({ manager, operation: 'Update', apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} });
  for (const [id, set] of owned) {
    if (id === selfId) continue;
    for (const p of changed) if (!p.endsWith('\u0000.')) set.delete(p);
    for (const p of removed) set.delete(p);
  }
  const mine = owned.get(selfId) ?? new Set<FieldPath>();
  for (const p of removed) mine.delete(p);
  for (const p of changed) mine.add(p);
  owned.set(selfId, mine);
  byId.set(selfId, byId.get(selfId) ?? { manager, operation: 'Update', apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} });
  return rebuild(byId, owned, new Set([selfId]), now);
}
