// The registry's in-memory copy of the stored objects, indexed by namespace so that endpoint
// recomputation after a change touches one namespace only. Main thread only.
import type { KindName, KubeObject } from '../model/types.ts';
import { objectKey } from '../model/types.ts';
import { namespaceOf } from '../model/namespace-of.ts';

export interface ObjectIndex {
  get(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  put(obj: KubeObject): void;
  remove(kind: KindName, namespace: string, name: string): void;
  /** Objects of `kind` in `namespace` (every namespace when undefined), unordered. */
  list<K extends KindName>(kind: K, namespace?: string): Extract<KubeObject, { kind: K }>[];
  namespaces(): string[];
  /** How many objects of any kind `namespace` holds. */
  count(namespace: string): number;
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.kind, namespaceOf(obj.metadata), obj.metadata.name ?? '');
}

export function createObjectIndex(): ObjectIndex {
  // namespace → kind → name → object
  const byNs = new Map<string, Map<KindName, Map<string, KubeObject>>>();
  const bucket = (ns: string, kind: KindName, create: boolean) => {
    let kinds = byNs.get(ns);
    if (!kinds) {
      if (!create) return undefined;
      byNs.set(ns, kinds = new Map());
    }
    let names = kinds.get(kind);
    if (!names && create) kinds.set(kind, names = new Map());
    return names;
  };
  return {
    get(kind, namespace, name) {
      return bucket(namespace, kind, false)?.get(name);
    },
    put(obj) {
      bucket(namespaceOf(obj.metadata), obj.kind, true)!.set(obj.metadata.name ?? '', obj);
    },
    remove(kind, namespace, name) {
      bucket(namespace, kind, false)?.delete(name);
    },
    list<K extends KindName>(kind: K, namespace?: string) {
      const out: KubeObject[] = [];
      const nss = namespace === undefined ? [...byNs.keys()] : [namespace];
      for (const ns of nss) for (const o of bucket(ns, kind, false)?.values() ?? []) out.push(o);
      return out as Extract<KubeObject, { kind: K }>[];
    },
    namespaces() {
      return [...byNs.keys()];
    },
    count(namespace) {
      let n = 0;
      for (const names of byNs.get(namespace)?.values() ?? []) n += names.size;
      return n;
    },
  };
}
