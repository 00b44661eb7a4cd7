// The API objects as clients read them, mirrored in memory from the store: filled by
// loadPublished() at start and kept current by the store's change listener, so it follows every
// committed change in revision order — this server's writes and, with a shared store, other
// instances' alike. get/list serve from it; the publisher diffs against it. Main thread.
import { namespaceOf } from '../model/namespace-of.ts';
import type { ApiKindName, ApiObject } from '../model/types.ts';
import { objectKey } from '../model/types.ts';
import type { Store, StoreChange } from '../store/store.ts';

export interface PublishedCache {
  get(kind: ApiKindName, namespace: string, name: string): ApiObject | undefined;
  getKey(key: string): ApiObject | undefined;
  /** Sorted by namespace, then name; namespace undefined = every namespace. */
  list(kind: ApiKindName, namespace?: string): ApiObject[];
  /** The object's content without resourceVersion, as JSON: what "no change" compares. */
  fingerprint(key: string): string | undefined;
  /** The revision of the newest change the cache has seen. */
  revision(): number;
  /** Keys of every published object of `namespace` (for a namespace's deletion). */
  keysIn(namespace: string): string[];
  close(): void;
}

/** JSON of `obj` without metadata.resourceVersion; two objects with equal fingerprints are the same to clients. */
export function contentFingerprint(obj: ApiObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

export const publishedKey = (obj: ApiObject): string =>
  objectKey(obj.kind, obj.kind === 'Namespace' ? '' : namespaceOf(obj.metadata), obj.metadata.name ?? '');

export async function createPublishedCache(store: Store): Promise<PublishedCache> {
  const byKind = new Map<ApiKindName, Map<string, ApiObject>>();
  const prints = new Map<string, string>();
  const kindOf = (key: string) => key.slice(0, key.indexOf('/')) as ApiKindName;
  const bucket = (kind: ApiKindName) => {
    let m = byKind.get(kind);
    if (!m) byKind.set(kind, m = new Map());
    return m;
  };
  let revision = 0;
  const apply = (changes: StoreChange[]) => {
    for (const c of changes) {
      const m = bucket(kindOf(c.key));
      if (c.type === 'DELETED') {
        m.delete(c.key);
        prints.delete(c.key);
      } else {
        // Objects in the cache are never mutated, so lists and watches may hand them out as they are.
        m.set(c.key, Object.freeze(c.object) as ApiObject);
        prints.set(c.key, contentFingerprint(c.object));
      }
      revision = Math.max(revision, c.revision);
    }
  };
  // Subscribe before loading, so no change committed in between is missed; loading then overwrites.
  const pending: StoreChange[][] = [];
  let loaded = false;
  const unsubscribe = store.onChange((changes) => { if (loaded) apply(changes); else pending.push(changes); });
  const initial = await store.loadPublished();
  for (const obj of initial.objects) {
    const key = publishedKey(obj);
    bucket(obj.kind).set(key, Object.freeze(obj) as ApiObject);
    prints.set(key, contentFingerprint(obj));
  }
  revision = initial.revision;
  loaded = true;
  for (const p of pending) apply(p.filter((c) => c.revision > initial.revision));

  return {
    get: (kind, namespace, name) => byKind.get(kind)?.get(objectKey(kind, kind === 'Namespace' ? '' : namespace, name)),
    getKey: (key) => byKind.get(kindOf(key))?.get(key),
    list(kind, namespace) {
      const out: ApiObject[] = [];
      for (const o of byKind.get(kind)?.values() ?? []) {
        if (namespace === undefined || kind === 'Namespace' || namespaceOf(o.metadata) === namespace) out.push(o);
      }
      return out.sort((a, b) => {
        const na = namespaceOf(a.metadata);
        const nb = namespaceOf(b.metadata);
        if (na !== nb) return na < nb ? -1 : 1;
        const ma = a.metadata.name ?? '';
        const mb = b.metadata.name ?? '';
        return ma < mb ? -1 : ma > mb ? 1 : 0;
      });
    },
    fingerprint: (key) => prints.get(key),
    // A shared store may have numbered changes this cache holds nothing of (its own bookkeeping,
    // other kinds): its revision covers them, so every instance reports the same one.
    revision: () => Math.max(revision, store.revision()),
    keysIn(namespace) {
      const out: string[] = [];
      for (const [kind, m] of byKind) {
        if (kind === 'Namespace') continue;
        for (const [k, o] of m) if (namespaceOf(o.metadata) === namespace) out.push(k);
      }
      return out;
    },
    close: unsubscribe,
  };
}
