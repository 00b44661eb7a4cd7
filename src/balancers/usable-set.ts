// The usable candidates of one Service port, compacted: what lets round-robin rotate over the
// endpoints that can take a connection now instead of handing an unusable one's turn to its
// neighbour (HAProxy rebuilds its round-robin map without the servers that went down; kube-proxy
// writes only ready endpoints into its rules). One per Service port, pick mode and worker thread,
// owned by TablePickContext, which rebuilds it when the shared table's state epoch (or, for the
// weight positions, its weight epoch) has moved; every worker builds the same list from the same
// words, so a cursor value names the same endpoint on every worker. Pure data; any thread.

export class UsableSet {
  /** Candidate indices that were usable at `stateEpoch`, in candidate order. */
  readonly list: Int32Array;
  count = 0;
  /** Table state epoch the list was built at; -1 = never built. */
  stateEpoch = -1;
  /** Weight positions over the positive-weight members of `list` (weighted round-robin only). */
  total = 0;
  weightStateEpoch = -1;
  weightEpoch = -1;
  private positiveCount = 0;
  private positive: Int32Array | undefined;
  private prefix: Float64Array | undefined;
  private owner: Int32Array | undefined;

  constructor(candidates: number) {
    this.list = new Int32Array(candidates);
  }

  /** Refills the list with the candidates `usable` accepts. O(candidates); runs only when the
   *  table's usability changed since the last build. */
  rebuild(candidates: number, epoch: number, usable: (i: number) => boolean): void {
    let k = 0;
    for (let i = 0; i < candidates; i++) if (usable(i)) this.list[k++] = i;
    this.count = k;
    this.stateEpoch = epoch;
  }

  /** Rebuilds the weight positions of the current list: member j owns weight(j) positions, weight-0
   *  members none. The same owner-table / prefix-search trade-off as TablePickContext.atWeight. */
  rebuildWeights(weightEpoch: number, weight: (i: number) => number): void {
    const n = this.count;
    const positive = this.positive ??= new Int32Array(this.list.length);
    const prefix = this.prefix ??= new Float64Array(this.list.length + 1);
    let m = 0, sum = 0;
    for (let k = 0; k < n; k++) {
      const i = this.list[k];
      const w = weight(i);
      if (w <= 0) continue;
      positive[m] = i;
      prefix[m] = sum;
      sum += w;
      m++;
    }
    prefix[m] = sum;
    this.total = sum;
    this.owner = undefined;
    if (sum > 0 && sum <= OWNER_PER_MEMBER * Math.max(1, m)) {
      const owner = new Int32Array(sum);
      for (let j = 0; j < m; j++) owner.fill(positive[j], prefix[j], prefix[j + 1]);
      this.owner = owner;
    }
    this.positiveCount = m;
    this.weightStateEpoch = this.stateEpoch;
    this.weightEpoch = weightEpoch;
  }

  /** The candidate owning weight position p, 0 <= p < total. */
  atWeight(p: number): number {
    if (this.owner) return this.owner[p];
    const prefix = this.prefix!;
    let lo = 0, hi = this.positiveCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (prefix[mid] <= p) lo = mid; else hi = mid - 1;
    }
    return this.positive![lo];
  }
}

/** Owner-table entries allowed per positive-weight member before falling back to binary search. */
const OWNER_PER_MEMBER = 16;
