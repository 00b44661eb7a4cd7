// How the process's file descriptors (RLIMIT_NOFILE) are shared out, decided at start-up on the
// main thread: a reserve for the process itself, and a room that listening sockets, proxied
// connections (two descriptors each: client and upstream) and UDP flows (one each: the flow's
// connected socket to its endpoint) share as they are used. Without it one Service with 10,000
// ports bound listeners until the process ran out: every accept and connect then failed with
// EMFILE, healthy backends were ejected for it and the admin API stopped answering.
//
// Like HAProxy, which derives maxconn from `ulimit -n` less what its listeners take (and refuses a
// configuration that cannot fit), connections get whatever the listeners do not: the listeners the
// stored Services need are reserved first (at most --max-listeners, by default half the room, so
// that an apply can never take the descriptors traffic needs), and the workers' admissions share
// the rest between connections and flows (endpoint-table.ts, connectionRoom and flowRoom). Node
// cannot raise the limit itself (no setrlimit): the errors say to run `ulimit -n` first.
import { readdirSync, readFileSync } from 'node:fs';
import { SyError } from '../model/sy-error.ts';

/** Descriptors kept for everything but listeners and proxied connections: the admin API's
 *  connections (at most 128 + its reserve), probes in flight (64), the store, logs, each worker
 *  thread's event loop and pipes. Measured: 36 descriptors for an idle serve with 2 workers. */
export const RESERVED_BASE = 256;
export const RESERVED_PER_WORKER = 16;
/** Share of the room that listeners may take by default. */
export const LISTENER_SHARE = 0.5;
/** Live UDP flows at most by default, whatever the limit: 8,000 DNS clients with a flow each, twice over. */
export const DEFAULT_MAX_UDP_FLOWS = 16_384;

export interface DescriptorBudgetInput {
  /** Soft RLIMIT_NOFILE; undefined when unknown or unlimited (nothing is budgeted). */
  limit: number | undefined;
  workers: number;
  accept: 'transfer' | 'reuseport';
  /** How UDP listeners are bound: on every worker, or on one. */
  udpSockets: 'per-worker' | 'single';
  /** --max-listeners; 0 = derive from the limit. */
  maxListeners: number;
  /** --max-connections; 0 = only what the room allows. */
  maxConnections: number;
  /** --max-udp-flows; 0 = the default (DEFAULT_MAX_UDP_FLOWS). */
  maxUdpFlows: number;
}

export interface DescriptorBudget {
  limit: number | undefined;
  reserved: number;
  /** Descriptors listeners, connections and flows share: the limit less the reserve; -1 = no limit. */
  room: number;
  /** Descriptors one listener may take: one per worker where every worker binds it (TCP with
   *  reuseport, UDP with per-worker sockets), else one. The most either protocol takes, so that any
   *  mix of TCP and UDP listeners fits. */
  perListener: number;
  /** Listeners (address, port, protocol) the Services may have in all; 0 = unlimited. */
  maxListeners: number;
  /** Proxied connections at once across the workers beyond what the room allows (--max-connections); 0 = no such cap. */
  maxConnections: number;
  /** Live UDP flows across the workers beyond what the room allows; 0 = no such cap. */
  maxUdpFlows: number;
  /** One line for the log: what the limit allows. */
  summary: string;
}

/**
 * The reserve, the room, and the caps within it. Throws an SyError with code SY_FD_BUDGET when an
 * explicit setting cannot fit the room even alone.
 */
export function planDescriptorBudget(i: DescriptorBudgetInput): DescriptorBudget {
  const workers = Math.max(1, i.workers);
  const perListener = i.accept === 'reuseport' || i.udpSockets === 'per-worker' ? workers : 1;
  const reserved = RESERVED_BASE + RESERVED_PER_WORKER * workers;
  const maxUdpFlows = i.maxUdpFlows > 0 ? i.maxUdpFlows : DEFAULT_MAX_UDP_FLOWS;
  if (i.limit === undefined || !Number.isFinite(i.limit)) {
    return {
      limit: undefined, reserved, room: -1, perListener, maxListeners: i.maxListeners, maxConnections: i.maxConnections, maxUdpFlows,
      summary: 'the open-file limit is unlimited or unknown: listeners, connections and UDP flows are limited only by ' +
        `--max-listeners, --max-connections and --max-udp-flows (${maxUdpFlows})`,
    };
  }
  const room = i.limit - reserved;
  const raise = (needed: number) => `raise the limit first (ulimit -n ${needed}, or LimitNOFILE= in a systemd unit)`;
  if (room < perListener + 3) {
    throw budgetError(`the open-file limit (${i.limit}, ulimit -n) leaves nothing for listeners, connections and UDP flows after the ${reserved} descriptors switchyard keeps for itself; ${raise(reserved + 1024)}`);
  }
  const maxListeners = i.maxListeners > 0 ? i.maxListeners : Math.max(1, Math.floor((room * LISTENER_SHARE) / perListener));
  const listenerFds = maxListeners * perListener;
  if (listenerFds > room - 3) {
    throw budgetError(`--max-listeners ${maxListeners} needs ${listenerFds} descriptors (${perListener} per listener with ${i.workers} workers binding it) ` +
      `but the open-file limit is ${i.limit} (ulimit -n) and ${reserved} are kept for the process itself; lower --max-listeners or ${raise(reserved + listenerFds + 1024)}`);
  }
  const after = `after ${reserved} kept for the process`;
  if (i.maxConnections > 0 && 2 * i.maxConnections > room - perListener) {
    throw budgetError(`--max-connections ${i.maxConnections} needs ${2 * i.maxConnections} descriptors (client and upstream each) but only ${room} ` +
      `are left of the open-file limit ${i.limit} (ulimit -n) ${after}, and a listener needs some; ` +
      `lower --max-connections, or ${raise(reserved + 2 * i.maxConnections + 1024)}`);
  }
  if (i.maxUdpFlows > 0 && i.maxUdpFlows > room - perListener) {
    throw budgetError(`--max-udp-flows ${i.maxUdpFlows} needs ${i.maxUdpFlows} descriptors (one socket per flow) but only ${room} ` +
      `are left of the open-file limit ${i.limit} (ulimit -n) ${after}, and a listener needs some; ` +
      `lower --max-udp-flows, or ${raise(reserved + i.maxUdpFlows + 1024)}`);
  }
  const caps = [i.maxConnections > 0 ? `at most ${i.maxConnections} connections` : '', `at most ${maxUdpFlows} UDP flows`].filter(Boolean).join(', ');
  return {
    limit: i.limit, reserved, room, perListener, maxListeners, maxConnections: i.maxConnections, maxUdpFlows,
    summary: `open-file limit ${i.limit} (ulimit -n): ${reserved} kept for the process; the other ${room} shared as they are used by listeners ` +
      `(at most ${maxListeners}, ${perListener} descriptor${perListener === 1 ? '' : 's'} each, reserved while a Service needs them), ` +
      `proxied connections (2 each: up to ${Math.floor(room / 2)} without listeners or flows) and UDP flows (1 each; ${caps})`,
  };
}

/** The room left to connections and UDP flows once the stored Services' listeners are reserved;
 *  -1 (no limit) stays -1. */
export function trafficRoom(budget: Pick<DescriptorBudget, 'room' | 'perListener'>, listenersNeeded: number): number {
  return budget.room < 0 ? -1 : Math.max(0, budget.room - listenersNeeded * budget.perListener);
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
