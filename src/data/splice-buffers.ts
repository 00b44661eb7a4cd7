// What both splices (splice.ts over net.Socket, raw-splice.ts over raw handles) share on a
// data-plane worker thread: the one read buffer every socket of the thread reads into, the
// recycled slabs that large reads are copied into, and the idle sweep.
// Sharing the read buffer is safe because a read callback runs to completion (copying its bytes
// out) before libuv reads from any other socket of the thread.
import type { SpliceEnd } from './splice-types.ts';

// bench/profile-run.ts, 1 MiB transfers, CPU per GB: 64 KiB 1.16 s, 256 KiB 0.85 s, 512 KiB 0.73 s,
// 1 MiB 0.75 s (HAProxy 0.64-0.75 in the same runs). One buffer per thread, so size costs nothing.
const READ_BUFFER_BYTES = 512 * 1024;
// Allocated by the first upstream: threads that only import this module (the main thread) pay nothing.
let readBuffer: Buffer | null = null;

export function threadReadBuffer(): Buffer { return (readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)); }

// Large reads are copied into recycled slabs rather than fresh allocations: copying 512 KiB into
// a warm slab takes 17 µs against 80 µs for allocUnsafe + copy (64 KiB: 2 against 14 µs), the
// difference being the allocation and first-touch page faults. Slabs come in power-of-two sizes
// from 8 KiB, so a client that stops reading holds about what it was sent, not a whole 512 KiB.
// A slab goes back to its free list when the write that used it completes.
export const SLAB_MIN_BYTES = 4096;
const SLAB_CLASS_MIN = 8192;
const SLABS_KEPT_PER_CLASS = 4;
const freeSlabs: Buffer[][] = Array.from({ length: 8 }, () => []);

function slabClass(n: number): number {
  return n <= SLAB_CLASS_MIN ? 0 : 32 - Math.clz32(n - 1) - 13;
}

function takeSlab(n: number): Buffer {
  const c = slabClass(n);
  return freeSlabs[c].pop() ?? Buffer.allocUnsafeSlow(SLAB_CLASS_MIN << c);
}

export function giveSlab(slab: Buffer): void {
  const list = freeSlabs[slabClass(slab.length)];
  if (list.length < SLABS_KEPT_PER_CLASS) list.push(slab);
}

/** A small read's bytes, from Node's 8 KiB pool; allocUnsafe + copy is faster than copyBytesFrom at any size. */
export function copySmall(n: number, buf: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(n);
  (buf as Buffer).copy(out, 0, 0, n);
  return out;
}

/** A large read's bytes in a slab (the whole slab: the bytes are its first `n`); it goes back
 *  with giveSlab() once the write that used it has completed. */
export function copyToSlab(n: number, buf: Uint8Array): Buffer {
  const slab = takeSlab(n);
  (buf as Buffer).copy(slab, 0, 0, n);
  return slab;
}

/** A connection the idle sweep watches: activity stamps `lastActive` from idleClock(). */
export interface IdleWatched {
  lastActive: number;
  readonly idleTimeoutMs: number;
  close(reason: SpliceEnd): void;
}

// One coarse clock for every splice in the thread, advanced by the sweep: activity stamps it (no
// call per chunk), so a stamp may be up to one sweep period old, and the sweep closes connections
// whose stamp is older than their idle timeout plus that period: never early, at most two periods
// late.
let clock = performance.now();
let sweepTimer: NodeJS.Timeout | null = null;
let sweepMs = 1000;
const idleWatched = new Set<IdleWatched>();

function sweep(): void {
  clock = performance.now();
  for (const sp of idleWatched) {
    if (clock - sp.lastActive >= sp.idleTimeoutMs + sweepMs) sp.close('idle-timeout');
  }
  if (idleWatched.size === 0 && sweepTimer) { clearInterval(sweepTimer); sweepTimer = null; }
}

export function watchIdle(sp: IdleWatched): void {
  // A quarter of the shortest timeout watched, so a close is at most half the timeout late; the
  // period stays between 10 ms and 1 s.
  const want = Math.max(10, Math.min(1000, Math.floor(sp.idleTimeoutMs / 4)));
  if (!sweepTimer || want < sweepMs) {
    if (sweepTimer) clearInterval(sweepTimer);
    else sweepMs = want;
    sweepMs = Math.min(sweepMs, want);
    sweepTimer = setInterval(sweep, sweepMs);
    sweepTimer.unref();
  }
  clock = performance.now();
  sp.lastActive = clock;
  idleWatched.add(sp);
}

export function unwatchIdle(sp: IdleWatched): void { idleWatched.delete(sp); }

/** The sweep's clock: activity stamps copy it instead of reading the time per chunk. */
export function idleClock(): number { return clock; }
