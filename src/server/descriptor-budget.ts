// How the process's file descriptors (RLIMIT_NOFILE) are shared out, decided once at start-up on the
// main thread: a reserve for the process itself, listening sockets up to --max-listeners, and the
// rest for proxied connections (two descriptors each: client and upstream). Without it one Service
// with 10,000 ports bound listeners until the process ran out: every accept and connect then failed
// with EMFILE, healthy backends were ejected for it and the admin API stopped answering.
//
// Like HAProxy, which derives maxconn from `ulimit -n` (and refuses a configuration that cannot
// fit), the limits here are derived from the soft limit unless given, and an explicit setting that
// cannot fit is refused at start-up. Node cannot raise the limit itself (no setrlimit): the error
// says to run `ulimit -n` first.
import { readdirSync, readFileSync } from 'node:fs';
import { SyError } from '../model/sy-error.ts';

/** Descriptors kept for everything but listeners and proxied connections: the admin API's
 *  connections (at most 128 + its reserve), probes in flight (64), the store, logs, each worker
 *  thread's event loop and pipes. Measured: 36 descriptors for an idle serve with 2 workers. */
export const RESERVED_BASE = 256;
export const RESERVED_PER_WORKER = 16;
/** Share of the descriptors left after the reserve that listeners may take by default. */
export const LISTENER_SHARE = 0.25;

export interface DescriptorBudgetInput {
  /** Soft RLIMIT_NOFILE; undefined when unknown or unlimited (nothing is budgeted). */
  limit: number | undefined;
  workers: number;
  accept: 'transfer' | 'reuseport';
  /** --max-listeners; 0 = derive from the limit. */
  maxListeners: number;
  /** --max-connections; 0 = derive from the limit. */
  maxConnections: number;
}

export interface DescriptorBudget {
  limit: number | undefined;
  reserved: number;
  /** Descriptors one listener takes: one per worker with reuseport, one with transfer. */
  perListener: number;
  /** Listeners (address, port, protocol) the Services may have in all; 0 = unlimited. */
  maxListeners: number;
  /** Proxied connections at once across the workers (the data plane's admission); 0 = unlimited. */
  maxConnections: number;
  /** One line for the log: what the limit allows. */
  summary: string;
}

/** Throws an Error with code SY_FD_BUDGET when explicit settings cannot fit the limit. */
export function planDescriptorBudget(i: DescriptorBudgetInput): DescriptorBudget {
  const perListener = i.accept === 'reuseport' ? Math.max(1, i.workers) : 1;
  const reserved = RESERVED_BASE + RESERVED_PER_WORKER * Math.max(1, i.workers);
  if (i.limit === undefined || !Number.isFinite(i.limit)) {
    return {
      limit: undefined, reserved, perListener, maxListeners: i.maxListeners, maxConnections: i.maxConnections,
      summary: 'the open-file limit is unlimited or unknown: listeners and connections are limited only by --max-listeners and --max-connections',
    };
  }
  const usable = i.limit - reserved;
  const raise = (needed: number) => `raise the limit first (ulimit -n ${needed}, or LimitNOFILE= in a systemd unit)`;
  if (usable < perListener + 2) {
    throw budgetError(`the open-file limit (${i.limit}, ulimit -n) leaves nothing for listeners and connections after the ${reserved} descriptors switchyard keeps for itself; ${raise(reserved + 1024)}`);
  }
  const maxListeners = i.maxListeners > 0 ? i.maxListeners : Math.max(1, Math.floor((usable * LISTENER_SHARE) / perListener));
  const listenerFds = maxListeners * perListener;
  if (listenerFds > usable - 2) {
    throw budgetError(`--max-listeners ${maxListeners} needs ${listenerFds} descriptors (${perListener} per listener with ${i.workers} reuseport workers) ` +
      `but the open-file limit is ${i.limit} (ulimit -n) and ${reserved} are kept for the process itself; lower --max-listeners or ${raise(reserved + listenerFds + 1024)}`);
  }
  const fit = Math.floor((usable - listenerFds) / 2);
  if (i.maxConnections > fit) {
    throw budgetError(`--max-connections ${i.maxConnections} needs ${2 * i.maxConnections} descriptors (client and upstream each) but only ${usable - listenerFds} ` +
      `are left of the open-file limit ${i.limit} (ulimit -n) after ${reserved} for the process and ${listenerFds} for ${maxListeners} listeners; ` +
      `lower --max-connections or --max-listeners, or ${raise(reserved + listenerFds + 2 * i.maxConnections)}`);
  }
  const maxConnections = i.maxConnections > 0 ? i.maxConnections : fit;
  return {
    limit: i.limit, reserved, perListener, maxListeners, maxConnections,
    summary: `open-file limit ${i.limit} (ulimit -n): up to ${maxListeners} listeners (${perListener} descriptor${perListener === 1 ? '' : 's'} each) ` +
      `and ${maxConnections} proxied connections (2 each), ${reserved} kept for the process`,
  };
}

function budgetError(message: string): SyError {
  return new SyError('SY_FD_BUDGET', message);
}

/** The soft RLIMIT_NOFILE from /proc/self/limits; undefined when unlimited or not on Linux. */
export function readOpenFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try { text = read(); } catch { return undefined; }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Descriptors this process has open now; 'exhausted' when even listing them fails for want of
 *  one (EMFILE, ENFILE); undefined when this system does not say (not Linux). */
export function countOpenDescriptors(): number | 'exhausted' | undefined {
  try {
    // The listing itself holds one descriptor while it runs.
    return readdirSync('/proc/self/fd').length - 1;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE' ? 'exhausted' : undefined;
  }
}

/** Free descriptors below which the process stops reporting ready: a few accepts or connects away
 *  from EMFILE, new work should go elsewhere. */
export const READY_MARGIN = 16;

/**
 * /readyz's descriptor check: a reason while the process is out of descriptors (or within
 * READY_MARGIN of the limit), undefined otherwise. Counting /proc/self/fd costs a directory read,
 * so the answer is cached for `cacheMs` (a flood of probes reads it once a second).
 */
export function descriptorReadiness(limit: number | undefined, count = countOpenDescriptors, clock: () => number = Date.now, cacheMs = 1000): () => string | undefined {
  let at = -Infinity;
  let answer: string | undefined;
  return () => {
    const now = clock();
    if (now - at < cacheMs) return answer;
    at = now;
    const open = count();
    if (open === 'exhausted') {
      answer = 'out of file descriptors (EMFILE): new connections and binds fail; see switchyard_listener_budget and process_open_fds in /metrics, or raise ulimit -n';
    } else if (limit !== undefined && open !== undefined && limit - open < READY_MARGIN) {
      answer = `${open} of ${limit} file descriptors in use (ulimit -n): new connections and binds are about to fail`;
    } else answer = undefined;
    return answer;
  };
}

/** `fn`'s answer, asked again only once `ms` have passed since the last time. */
export function cachedFor<T>(ms: number, fn: () => T, clock: () => number = Date.now): () => T {
  let at = -Infinity;
  let value!: T;
  return () => {
    const now = clock();
    if (now - at >= ms) { value = fn(); at = now; }
    return value;
  };
}
