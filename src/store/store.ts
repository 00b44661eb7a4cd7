// The persistence contract of the control plane (the "etcd" behind the registry). Async so that a
// networked store (etcd) can implement it; the embedded one is sqlite-store.ts, and memory-store.ts
// keeps the same contract in memory for tests. Main thread only: the registry is the single writer
// of one store connection.
//
// Two kinds of records:
// - declared inputs (`put`/`delete`): the objects users applied, as they applied them; the registry
//   restores its state from them at start-up.
// - published API objects (`publish`/`unpublish`): every object as clients read it, derived ones
//   included (generated Endpoints and EndpointSlices, Service status, Pod readiness, Events,
//   Namespaces). The store numbers every change of them: the revision, which the API serves as
//   `resourceVersion`, and keeps the recent changes as the watch history. An etcd store maps this
//   onto etcd's own revision and watch history (one put of an API object, one etcd revision).
import type { ApiObject, KubeObject } from '../model/types.ts';

export type StoreOp =
  | { op: 'put'; key: string; object: KubeObject }
  | { op: 'delete'; key: string }
  /**
   * Publishes the API object under `key`. `expectRevision`, when given, is the revision the writer
   * based the change on (0: the key must not exist); a mismatch fails the whole commit with
   * SY_STORE_CONFLICT, so two writers (several instances on one etcd) cannot overwrite each other.
   */
  | { op: 'publish'; key: string; object: ApiObject; expectRevision?: number }
  /** Removes the API object under `key`; its DELETED change carries its last state. */
  | { op: 'unpublish'; key: string; expectRevision?: number };

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One numbered change of a published API object. `object.metadata.resourceVersion` is `revision`. */
export interface StoreChange {
  type: ChangeType;
  revision: number;
  key: string;
  object: ApiObject;
}

export interface Published {
  /** The store's current revision: the number of the newest change (0 for an empty store). */
  revision: number;
  /** Every published object, each with resourceVersion = the revision that last changed it. */
  objects: ApiObject[];
}

export interface Store {
  /** Every declared input, in key order. */
  load(): Promise<KubeObject[]>;
  /** Every published API object and the current revision. */
  loadPublished(): Promise<Published>;
  /**
   * Applies all ops or none; when the promise resolves the change is on disk (fsync'd). Each
   * publish/unpublish op gets its own revision, in op order; the changes are returned and also
   * delivered to every onChange listener (synchronously, before the promise resolves).
   */
  commit(ops: StoreOp[]): Promise<StoreChange[]>;
  /**
   * The changes after `revision`, oldest first. Throws StoreError SY_STORE_COMPACTED when the
   * history no longer reaches back that far (the API answers 410 Expired and clients re-list).
   */
  changesSince(revision: number): Promise<StoreChange[]>;
  /** The newest revision the store has numbered. */
  revision(): number;
  /** The oldest revision a watch may start from (changesSince(r) works for every r >= this). */
  oldestWatchable(): number;
  /** Every committed change, in revision order; returns the unsubscribe function. */
  onChange(fn: (changes: StoreChange[]) => void): () => void;
  /** Releases the state directory (and its lock). */
  close(): Promise<void>;
}

/** How long and how much change history a store keeps for watches. */
export interface HistoryLimits {
  /** Changes younger than this are kept (upstream etcd compacts every 5 minutes). */
  keepMs: number;
  /** At least this many of the newest changes are kept, however old. */
  minChanges: number;
  /** Never more than this many (a burst of writes cannot grow the history without bound). */
  maxChanges: number;
}

export const DEFAULT_HISTORY: HistoryLimits = { keepMs: 5 * 60_000, minChanges: 1000, maxChanges: 100_000 };

/**
 * The highest revision that may be dropped from a history whose newest revision is `newest`, given
 * the revision of the newest change older than `keepMs` (0 when none is). Pure.
 */
export function compactionPoint(newest: number, newestExpired: number, limits: HistoryLimits): number {
  const byAge = Math.min(newestExpired, newest - limits.minChanges);
  return Math.max(0, byAge, newest - limits.maxChanges);
}
