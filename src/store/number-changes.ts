// The numbering both stores share: turns a commit's publish/unpublish ops into numbered changes
// against the current published objects, checking each op's expected revision first. Pure over
// the lookup it is given; main thread.
import type { ApiObject } from '../model/types.ts';
import type { StoreChange, StoreOp } from './store.ts';
import { StoreError } from './store-error.ts';

/** The published object under a key and the revision that last changed it. */
export interface PublishedEntry { object: ApiObject; revision: number }

/**
 * Numbers the API ops of `ops` from `revision + 1` on, in op order. `lookup` reads the state before
 * this commit; later ops in the same commit see the earlier ones. Throws SY_STORE_CONFLICT (and
 * numbers nothing) when an op's expectRevision does not match.
 */
export function numberChanges(ops: StoreOp[], revision: number, lookup: (key: string) => PublishedEntry | undefined, file: string): StoreChange[] {
  const pending = new Map<string, PublishedEntry | null>();
  const current = (key: string) => (pending.has(key) ? pending.get(key) ?? undefined : lookup(key));
  const changes: StoreChange[] = [];
  let rev = revision;
  for (const o of ops) {
    if (o.op !== 'publish' && o.op !== 'unpublish') continue;
    const prev = current(o.key);
    if (o.expectRevision !== undefined && (prev?.revision ?? 0) !== o.expectRevision) {
      throw new StoreError('SY_STORE_CONFLICT', file,
        `${o.key} changed since revision ${o.expectRevision} (now ${prev?.revision ?? 'absent'}); read it again and retry`);
    }
    if (o.op === 'unpublish') {
      if (!prev) continue;
      rev++;
      const object = withVersion(prev.object, rev);
      changes.push({ type: 'DELETED', revision: rev, key: o.key, object });
      pending.set(o.key, null);
      continue;
    }
    rev++;
    const object = withVersion(o.object, rev);
    changes.push({ type: prev ? 'MODIFIED' : 'ADDED', revision: rev, key: o.key, object });
    pending.set(o.key, { object, revision: rev });
  }
  return changes;
}

/** A deep copy of `obj` whose resourceVersion is `revision`. */
export function withVersion<T extends ApiObject>(obj: T, revision: number): T {
  const copy = structuredClone(obj);
  copy.metadata = { ...copy.metadata, resourceVersion: String(revision) };
  return copy;
}
