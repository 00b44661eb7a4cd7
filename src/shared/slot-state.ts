// What an endpoint slot's state word holds: the flag bits (low 8 bits) and the slot's generation
// (high 24 bits), in one Int32 so that a single load tells a worker both "is it usable" and "is it
// still the endpoint my snapshot named". Pure bit arithmetic, any thread; where the word sits in the
// shared buffer is endpoint-table-layout.ts's business, reading and writing it EndpointTable's.

export const READY = 1;
export const SERVING = 2;
export const TERMINATING = 4;
/** Passive health: too many consecutive connect failures (set by the main thread's health loop). */
export const EJECTED = 8;
export const ADMIN_DOWN = 16;
/** Removed from every snapshot; no new picks, freed once its active count drains to zero. */
export const DRAINING = 32;

const FLAG_BITS = 8;
const FLAG_MASK = 0xff;
const GEN_MASK = 0xffffff;
const HEALTHY_MASK = READY | EJECTED | ADMIN_DOWN;
const NEVER_USABLE = EJECTED | ADMIN_DOWN | DRAINING;
const SERVING_TERMINATING = SERVING | TERMINATING;

export const stateFlags = (state: number): number => state & FLAG_MASK;
export const stateGeneration = (state: number): number => (state >>> FLAG_BITS) & GEN_MASK;

/** `state` with the `set` bits set and the `clear` bits cleared, the generation kept. */
export const withFlags = (state: number, set: number, clear: number): number =>
  (state & ~FLAG_MASK) | ((((state & FLAG_MASK) & ~clear) | set) & FLAG_MASK);

/** The state of a retired slot: no flags, the next generation (wrapping at 2^24). */
export const retiredState = (state: number): number => ((stateGeneration(state) + 1) & GEN_MASK) << FLAG_BITS;

/** 1 when the state is "ready and not ejected or admin-down" (the health the metrics count), else 0. */
export const healthy = (state: number): number => ((state & HEALTHY_MASK) === READY ? 1 : 0);

/**
 * Which endpoints a Service port may send a new connection to (kube-proxy's Cluster traffic policy,
 * topology.go CategorizeEndpoints): the ready ones; only when none is ready (`fallback`), the
 * serving ones that are terminating. Ejected, admin-down and draining slots never. The picker
 * decides `fallback` (endpoint-picker.ts `choose`); this is the per-slot half, run on every pick.
 */
export const usableFlags = (flags: number, fallback: boolean): boolean =>
  (flags & NEVER_USABLE) === 0 && (fallback ? (flags & SERVING_TERMINATING) === SERVING_TERMINATING : (flags & READY) !== 0);
