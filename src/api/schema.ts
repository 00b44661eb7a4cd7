// The one description of the served kinds' fields: what the OpenAPI documents publish (kubectl
// explain, kubectl's fieldValidation probe), what strict field validation checks, and the list
// semantics that strategic merge patch (merge keys) and server-side apply (list types and keys)
// follow. Names of object types are upstream's (`io.k8s.api.core.v1.ServicePort`), which is what
// kubectl explain prints. Pure; any thread.

export type ListType = 'atomic' | 'set' | 'map';

interface Base { description?: string }
export type Schema =
  | (Base & { type: 'string'; enum?: string[]; format?: 'date-time' | 'byte' })
  | (Base & { type: 'integer'; format?: 'int32' | 'int64' })
  | (Base & { type: 'boolean' })
  | (Base & { type: 'number' })
  | (Base & { type: 'int-or-string' })
  /** Fields switchyard does not model in detail: any JSON is kept as it is. */
  | (Base & { type: 'any' })
  | (Base & { type: 'map'; values: Schema })
  | (Base & { type: 'ref'; name: string })
  | (Base & {
    type: 'array';
    items: Schema;
    listType?: ListType;
    listMapKeys?: string[];
    /** Strategic merge patch: `merge` (with patchMergeKey for lists of objects) or replace (absent). */
    patchStrategy?: 'merge' | 'merge,retainKeys';
    patchMergeKey?: string;
  });

/** A named object type (a component of the OpenAPI document). */
export interface ObjectType {
  name: string;
  description: string;
  properties: Record<string, Schema>;
  required?: string[];
  /** Top-level kinds: the group/version/kind they are served as. */
  gvk?: { group: string; version: string; kind: string };
}

const types = new Map<string, ObjectType>();

/** Registers a named object type; returns a reference to it. */
export function defineType(t: ObjectType): Schema {
  types.set(t.name, t);
  return { type: 'ref', name: t.name };
}

export function objectType(name: string): ObjectType | undefined {
  return types.get(name);
}

export function allTypes(): ObjectType[] {
  return [...types.values()];
}

export const str = (description: string, extra: { enum?: string[] } = {}): Schema => ({ type: 'string', description, ...extra });
export const int = (description: string, format: 'int32' | 'int64' = 'int32'): Schema => ({ type: 'integer', description, format });
export const bool = (description: string): Schema => ({ type: 'boolean', description });
export const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
export const any = (description: string): Schema => ({ type: 'any', description });
export const strMap = (description: string): Schema => ({ type: 'map', values: { type: 'string' }, description });
export const intOrString = (description: string): Schema => ({ type: 'int-or-string', description });
export const withDescription = (ref: Schema, description: string): Schema => ({ ...ref, description });
/** A list of scalars replaced whole by patches (atomic). */
export const strList = (description: string): Schema => ({ type: 'array', items: { type: 'string' }, listType: 'atomic', description });
/** A list of objects merged by `keys` (SMP merges by `mergeKey`, which upstream sometimes makes narrower). */
export const mapList = (items: Schema, description: string, keys: string[], mergeKey: string | undefined = keys[0], strategy: 'merge' | 'merge,retainKeys' = 'merge'): Schema =>
  ({ type: 'array', items, listType: 'map', listMapKeys: keys, ...(mergeKey ? { patchStrategy: strategy, patchMergeKey: mergeKey } : {}), description });
export const atomicList = (items: Schema, description: string): Schema => ({ type: 'array', items, listType: 'atomic', description });

/** Follows a ref to its object type. */
export function resolve(s: Schema | undefined): ObjectType | undefined {
  return s?.type === 'ref' ? types.get(s.name) : undefined;
}

/** The schema of a child field or list item of `s`: `field` for objects and maps, undefined for items. */
export function child(s: Schema | undefined, field?: string): Schema | undefined {
  if (!s) return undefined;
  if (s.type === 'array') return field === undefined ? s.items : undefined;
  if (s.type === 'map') return s.values;
  if (s.type === 'any') return s;
  const t = resolve(s);
  return t && field !== undefined ? t.properties[field] : undefined;
}
