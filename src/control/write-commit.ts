// The one store commit of a user write: the declared ops (the object, its allocation claims) plus
// every published object marked so far (the object as clients read it, its Service's Endpoints and
// EndpointSlices, its namespace). The object's own publication expects the revision this write
// read, so a concurrent writer on a shared store makes it a 409 instead of a lost update. On
// failure the marks are kept for the next commit and the caller's in-memory change is undone.
// Main thread, inside the registry's write queue.
import type { ApiKindName } from '../model/types.ts';
import { ClaimConflictError } from '../store/etcd-store.ts';
import type { Store, StoreChange, StoreOp } from '../store/store.ts';
import { RetryAllocation } from './allocation-retry.ts';
import type { PublishedCache } from './published-cache.ts';
import type { Publisher } from './publisher.ts';
import { storeFailure } from './store-failure.ts';

/** Commits `input` plus the marked publications; calls `undo` and throws an ApiError (or RetryAllocation) on failure. */
export type CommitWrite = (input: StoreOp[], kind: ApiKindName, name: string, ownKey: string, undo: () => void) => Promise<StoreChange[]>;

export interface WriteCommitDeps {
  store: Store;
  cache: PublishedCache;
  publisher: Publisher;
  /** Whether commits are the leader's, fenced by its lease. */
  fenced(): boolean;
  /** A fenced commit was refused: this instance no longer leads. */
  fencedOut(): void;
}

export function createWriteCommit(d: WriteCommitDeps): CommitWrite {
  return async (input, kind, name, ownKey, undo) => {
    for (let attempt = 0; ; attempt++) {
      const { ops, marks } = d.publisher.take();
      const seen = d.cache.getKey(ownKey);
      for (const o of ops) {
        if ((o.op === 'publish' || o.op === 'unpublish') && o.key === ownKey) o.expectRevision = seen ? Number(seen.metadata.resourceVersion) : 0;
      }
      try {
        return await d.store.commit([...input, ...ops], { fenced: d.fenced() });
      } catch (err) {
        d.publisher.remark(marks);
        // Deposed while writing: committed once more, unfenced and without the controllers' part,
        // which the publisher leaves to the new leader once this instance follows.
        if ((err as { code?: string }).code === 'SY_STORE_FENCED' && attempt === 0) { d.fencedOut(); continue; }
        undo();
        if (err instanceof ClaimConflictError) throw new RetryAllocation(err.claimed);
        throw storeFailure(err, kind, name);
      }
    }
  };
}
