// The contract between an endpoint-selection algorithm and the candidates it chooses from.
// Balancers are pure: every input (usability, counts, weights, the shared cursor, randomness) comes
// through the PickContext, so the same code runs on every data-plane worker and in unit tests.

export interface PickContext {
  /** Number of candidates (the Service port's endpoints, usable or not). */
  readonly count: number;
  /** Candidate i may take a new connection now (flags, current mode, not already tried). */
  usable(i: number): boolean;
  /** Active connections to candidate i, across every worker. */
  active(i: number): number;
  /** Candidate i's weight (0 = backup: only picked when no positive-weight candidate is usable). */
  weight(i: number): number;
  /** Next value of the Service port's cursor, shared by every worker (non-negative integer). */
  cursor(): number;
  /** Uniform in [0, 1). Injected: a seeded generator in tests. */
  random(): number;
  /** Sum of the candidates' positive weights (0 when none is positive). */
  totalWeight(): number;
  /** The candidate owning weight position p, 0 <= p < totalWeight(): candidate i owns weight(i) positions. */
  atWeight(p: number): number;
  /** How many candidates are usable in the current mode, the connection's tried ones included
   *  (they are excluded only by usable()). Brings the compacted list up to date: call it first. */
  usableCount(): number;
  /** The k-th usable candidate, 0 <= k < usableCount(), in candidate order. */
  usableAt(k: number): number;
  /** Sum of the positive weights of the usable candidates (0 when none is positive). */
  usableWeight(): number;
  /** The usable candidate owning weight position p, 0 <= p < usableWeight(). */
  usableAtWeight(p: number): number;
  /** Changes whenever a candidate's weight may have changed (a balancer's cached state is stale then). */
  weightEpoch(): number;
  /** Candidate i's identity (`address:port`): the same on every worker and every instance. */
  identity(i: number): string;
  /** An unsigned 32-bit hash of the connecting client's address (0 when unknown); set for balancers with `hashesClient`. */
  clientHash(): number;
  /** State a balancer keeps per Service port between picks (a lookup table); undefined at first. */
  memo: unknown;
}

export interface Balancer {
  readonly name: string;
  /** Index of the chosen candidate, or -1 only when no candidate is usable. */
  pick(ctx: PickContext): number;
  /** Picks by the client's address (ctx.clientHash()); it is then the affinity itself, on every instance alike. */
  readonly hashesClient?: boolean;
}

/** First usable candidate scanning circularly from `start`; with `positiveOnly`, weight-0 ones are skipped.
 *  O(n) worst case; balancers call it only after their O(1) choice turned out unusable. */
export function firstUsable(ctx: PickContext, start: number, positiveOnly = false): number {
  const n = ctx.count;
  for (let k = 0, i = start % n; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
    if (ctx.usable(i) && (!positiveOnly || ctx.weight(i) > 0)) return i;
  }
  return -1;
}

/** The first candidate usable() accepts among the usable list's members, scanning circularly from
 *  member `start`; with `positiveOnly`, weight-0 ones are skipped. For a choice that turned out
 *  unusable after the list was built (a tried endpoint, a state change not yet seen). */
export function firstUsableMember(ctx: PickContext, start: number, positiveOnly = false): number {
  const m = ctx.usableCount();
  for (let k = 0, j = start % m; k < m; k++, j = j + 1 === m ? 0 : j + 1) {
    const i = ctx.usableAt(j);
    if (ctx.usable(i) && (!positiveOnly || ctx.weight(i) > 0)) return i;
  }
  return -1;
}

/** Further cursor values a rotation takes when its turn landed on a candidate it may not use (one
 *  this connection already tried), before it scans: each value is the next turn of the global
 *  rotation, so a retry goes where the next new connection would have gone, not to the neighbour. */
export const ROTATION_RETRIES = 4;

/** A few independent random tries before falling back to a scan keeps random picks unbiased when a
 *  handful of endpoints are down, and bounds the cost when most are. */
export const RANDOM_RETRIES = 3;
