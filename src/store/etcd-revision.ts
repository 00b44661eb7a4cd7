// How the API's resourceVersions come from etcd's revisions. An etcd transaction has one revision,
// and a switchyard commit (an object with the Endpoints and slices derived from it) is one
// transaction, but the API numbers every changed object on its own. So a resourceVersion is
// etcd's revision × 1000 plus the object's position in its transaction: ordered as etcd orders
// them, the same on every instance, and etcd's revision is `Math.floor(rv / 1000)`. Pure.

/** Positions per etcd revision; a transaction never carries more changes than this. */
export const REVISION_SCALE = 1000;

export function resourceRevision(etcdRevision: number, position: number): number {
  return etcdRevision * REVISION_SCALE + position;
}

export function etcdRevisionOf(revision: number): number {
  return Math.floor(revision / REVISION_SCALE);
}

/** The highest resourceVersion within etcd revision `r`: "everything up to and including r". */
export function throughRevision(etcdRevision: number): number {
  return etcdRevision * REVISION_SCALE + REVISION_SCALE - 1;
}
