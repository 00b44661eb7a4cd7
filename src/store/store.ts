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
  | { op: 'unpublish'; key: string; expectRevision?: number }
  /**
   * Takes an allocation (a ClusterIP, a NodePort) for `owner`: the commit fails with
   * SY_STORE_CONFLICT (its `claimed` lists the key) when another owner holds it. Compare-and-swap
   * where several writers share the store; a single writer's allocator is the whole truth, so the
   * embedded stores keep nothing for it.
   */
  | { op: 'claim'; key: string; owner: string }
  /** Gives an allocation back (only if `owner` holds it). */
  | { op: 'release'; key: string; owner: string };

export interface CommitOptions {
  /**
   * A controller's write (derived Endpoints, readiness): with leader election on, it commits only
   * while this instance still holds the leader lease, else fails with SY_STORE_FENCED.
   */
  fenced?: boolean;
}

/** A declared input changed, by this instance or another one sharing the store. */
export interface InputChange {
  key: string;
  /** The new object; undefined when it was deleted. */
  object?: KubeObject;
}

/** Whether a networked store is reachable (what /readyz and `top` report). */
export interface StoreStatus {
  ready: boolean;
  /** Why not, or what it is connected to. */
  message: string;
}

/**
 * What a store shared by several instances (etcd) adds: every declared change whoever made it,
 * reachability, and leader election for the controllers.
 */
export interface SharedStoreFeatures {
  /** Declared inputs as they change (this instance's commits included), in revision order, before that revision's onChange. */
  onInputChange(fn: (changes: InputChange[]) => void): () => void;
  status(): StoreStatus;
  /** Runs for the leader lease `name`; the handle says who leads. */
  elect(name: string, options: ElectionOptions): LeaderElection;
  /** The endpoints it talks to (for messages). */
  readonly location: string;
}

export interface ElectionOptions {
  /** This instance's identity (unique per process). */
  identity: string;
  ttlSeconds: number;
  onChange(leading: boolean): void;
  /** The leader's lease was renewed (state().renewedAt moved); only while leading. */
  onRenewed?(): void;
}

export interface LeaderState {
  holder?: string;
  /** When the current holder acquired it (ms since the epoch). */
  acquiredAt?: number;
  renewedAt?: number;
  transitions: number;
  ttlSeconds: number;
}

export interface LeaderElection {
  leading(): boolean;
  state(): LeaderState;
  /** Gives the lease up (a clean stop lets another instance take over at once). */
  close(): Promise<void>;
}

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
  commit(ops: StoreOp[], options?: CommitOptions): Promise<StoreChange[]>;
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
  /** Present on stores several instances share (etcd). */
  shared?: SharedStoreFeatures;
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
