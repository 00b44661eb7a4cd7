// The persistence contract of the control plane (the "etcd" behind the registry). Async so that a
// networked store (etcd) can implement it later; the embedded one is sqlite-store.ts.
// Main thread only: the registry is the single writer.
import type { KubeObject } from '../model/types.ts';

export type StoreOp =
  | { op: 'put'; key: string; object: KubeObject }
  | { op: 'delete'; key: string };

export interface Store {
  /** Every stored object, in key order. */
  load(): Promise<KubeObject[]>;
  /** Applies all ops or none; when the promise resolves the change is on disk (fsync'd). */
  commit(ops: StoreOp[]): Promise<void>;
  /** Releases the state directory (and its lock). */
  close(): Promise<void>;
}
