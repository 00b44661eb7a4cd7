// The listening sockets of every Service, as the data-plane sync wants them: bound through the
// worker pool, retried with back-off when a bind fails, kept within the descriptor budget's
// listener share, and watched for another process that joins one (SO_REUSEPORT). Main thread; the
// sync's queue reconciles several Services at once (their binds then share the listening census),
// while retries and share checks run alone.
import type { WorkerPool } from '../data/worker-pool.ts';
import { addressesOverlap, canonicalIP } from '../model/ip-address.ts';
import { SyError } from '../model/sy-error.ts';
import type { Service } from '../model/types.ts';
import type { ListenerSpec } from '../shared/messages.ts';
import { listenerChanges } from './listener-changes.ts';

/** What the status page, /metrics and describe show of one listener. */
export interface ListenerStatus {
  id: string;
  service: string;
  role: string;
  bound: boolean;
  error?: string;
  /** The event reason of the last failure: FailedToBindPort (taken), ListenerBudgetExceeded, FailedToListen. */
  reason?: string;
  /** Bind failures in a row (0 once bound). */
  failures: number;
  /** Bound, but another process's sockets listen there too. */
  shared: boolean;
}

interface ListenerState extends Omit<ListenerStatus, 'id' | 'role'> {
  spec: ListenerSpec;
  /** When the next bind attempt is due (ms since the epoch). */
  retryAt: number;
  /** A bind is in flight: it counts as ours for overlap checks before it is bound. */
  binding?: boolean;
  /** The spec's address as canonical text, for overlap checks. */
  address: string;
}

export type ServiceEvent = (service: Service, type: 'Normal' | 'Warning', reason: string, message: string, logSuffix?: string) => void;

export interface ServiceListenersOptions {
  pool: Pick<WorkerPool, 'listen' | 'unlisten' | 'sharedListeners'>;
  /** Records a Service event and logs it (`logSuffix` only in the log line). */
  event: ServiceEvent;
  service(key: string): Service | undefined;
  clock: () => number;
  random: () => number;
  /** Listeners bound at most; 0 = unlimited. */
  maxListeners: number;
}

/** A failed listener's next attempt: 1 s, 2 s, 4 s … after its 1st, 2nd, 3rd … failure in a row,
 *  at most 60 s, each ±20 % so that two instances fighting over an address do not retry in step. */
export function listenerRetryDelayMs(failures: number, random: () => number): number {
  const base = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, failures - 1), RETRY_MAX_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}
const BIND_CONCURRENCY = 32;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

const canonical = (a: string) => canonicalIP(a) ?? a;

export class ServiceListeners {
  private readonly o: ServiceListenersOptions;
  private readonly byId = new Map<string, ListenerState>();
  private readonly idsOf = new Map<string, Set<string>>(); // `ns/name` → ids of its listeners
  private bound = 0;
  private bindsInFlight = 0;

  constructor(o: ServiceListenersOptions) { this.o = o; }

  isBound(id: string): boolean { return this.byId.get(id)?.bound ?? false; }

  status(): ListenerStatus[] {
    return [...this.byId.values()].map((s) => ({
      id: s.spec.id, service: s.service, role: s.spec.role, bound: s.bound, error: s.error, reason: s.reason,
      failures: s.failures, shared: s.shared,
    }));
  }

  /** Makes `wanted` the listeners of Service `key`: others closed, new ones bound (in order). */
  async reconcile(key: string, service: Service | undefined, wanted: ListenerSpec[]): Promise<void> {
    const changes = listenerChanges(key, [...this.idsOf.get(key) ?? []], this.byId, wanted);
    for (const id of changes.close) {
      const state = this.byId.get(id)!;
      this.forget(state);
      if (state.bound) { this.bound--; await this.o.pool.unlisten(id); }
    }
    if (service) {
      for (const { spec, by } of changes.taken) this.o.event(service, 'Warning', 'FailedToListen', `${spec.id} is already used by Service ${by}`);
    }
    const fresh = changes.open.map((spec): ListenerState => {
      const state: ListenerState = { spec, service: key, bound: false, failures: 0, retryAt: 0, shared: false, address: canonical(spec.address) };
      this.byId.set(spec.id, state);
      let ids = this.idsOf.get(key);
      if (!ids) this.idsOf.set(key, ids = new Set());
      ids.add(spec.id);
      return state;
    });
    // A few binds at a time: each waits for a round trip to every worker and for the listening
    // census, which binds in flight together share.
    for (let i = 0; i < fresh.length; i += BIND_CONCURRENCY) {
      await Promise.all(fresh.slice(i, i + BIND_CONCURRENCY).map((state) => this.bind(state, service)));
    }
  }

  /** Some unbound listener's retry is due. */
  retryDue(): boolean {
    const now = this.o.clock();
    for (const l of this.byId.values()) if (!l.bound && l.retryAt <= now) return true;
    return false;
  }

  /** Retries every unbound listener whose time has come. */
  async retry(stopped: () => boolean): Promise<void> {
    for (const state of [...this.byId.values()]) {
      if (stopped()) return;
      if (state.bound || state.retryAt > this.o.clock() || this.byId.get(state.spec.id) !== state) continue;
      await this.bind(state, this.o.service(state.service));
    }
  }

  /** Asks the pool which bound listeners another process listens on too; reports each change. */
  async checkShared(): Promise<void> {
    const shared = new Set(await this.o.pool.sharedListeners());
    for (const state of this.byId.values()) {
      const now = state.bound && shared.has(state.spec.id);
      if (now === state.shared) continue;
      state.shared = now;
      const service = this.o.service(state.service);
      if (!service) continue;
      if (now) {
        this.o.event(service, 'Warning', 'PortShared', `another process also listens on ${state.spec.id} (${state.spec.role}) and takes a share of its ${state.spec.protocol === 'UDP' ? 'datagrams' : 'connections'}; stop it, or move this Service to another address or port`);
      } else this.o.event(service, 'Normal', 'PortExclusive', `only this switchyard listens on ${state.spec.id} again`);
    }
  }

  private forget(state: ListenerState): void {
    this.byId.delete(state.spec.id);
    const ids = this.idsOf.get(state.service);
    ids?.delete(state.spec.id);
    if (ids?.size === 0) this.idsOf.delete(state.service);
  }

  private async bind(state: ListenerState, service: Service | undefined): Promise<void> {
    const { o } = this;
    let counted = false;
    try {
      if (o.maxListeners > 0 && this.bound + this.bindsInFlight >= o.maxListeners) {
        throw new SyError('SY_LISTENER_BUDGET', `the server's descriptor budget allows ${o.maxListeners} listeners and all are in use; ` +
          'delete Services or ports you no longer need, or have the server restarted with a higher open-file limit');
      }
      // The pool would bind a specific address beside our own wildcard (or the reverse: the census
      // counts our own sockets inside it), but two of our listeners must never share a port's
      // traffic, whichever was bound first.
      const own = this.ownOverlapping(state);
      if (own) throw new SyError('SY_LISTEN_FAILED', `it overlaps ${own.spec.id} of Service ${own.service}`, { systemCode: 'EADDRINUSE' });
      this.bindsInFlight++;
      counted = state.binding = true;
      await o.pool.listen(state.spec);
      this.bindsInFlight--;
      counted = state.binding = false;
      this.bound++;
      state.bound = true;
      if (state.error && service) o.event(service, 'Normal', 'ListenerBound', `listening on ${state.spec.id} again`);
      state.error = undefined;
      state.reason = undefined;
      state.failures = 0;
    } catch (err) {
      if (counted) { this.bindsInFlight--; state.binding = false; }
      const e = err as SyError;
      state.failures++;
      const delay = listenerRetryDelayMs(state.failures, o.random);
      state.retryAt = o.clock() + delay;
      const taken = e.systemCode === 'EADDRINUSE';
      state.reason = taken ? 'FailedToBindPort' : e.code === 'SY_LISTENER_BUDGET' ? 'ListenerBudgetExceeded' : 'FailedToListen';
      const own = taken ? this.ownOverlapping(state) : undefined;
      const message = own
        ? `cannot listen on ${state.spec.id} (${state.spec.role}): it overlaps ${own.spec.id} of Service ${own.service}`
        : `cannot listen on ${state.spec.id} (${state.spec.role}): ${e.systemCode ?? e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ');
      // Every failure is recorded (repeats aggregate into one event with a count); the message stays
      // the same from one retry to the next so that they do.
      if (service) o.event(service, 'Warning', state.reason, hintFor(own ? undefined : e.systemCode, message), `; retrying in ${Math.round(delay / 100) / 10} s`);
      state.error = message;
    }
  }

  /** Another listener of this switchyard bound (or binding) on an overlapping address, the same
   *  port and protocol. */
  private ownOverlapping(state: ListenerState): ListenerState | undefined {
    for (const l of this.byId.values()) {
      if (l !== state && (l.bound || l.binding) && l.spec.port === state.spec.port && l.spec.protocol === state.spec.protocol
        && addressesOverlap(l.address, state.address)) return l;
    }
    return undefined;
  }
}

function hintFor(code: string | undefined, message: string): string {
  if (code === 'EACCES') return `${message} — ports below 1024 need root or CAP_NET_BIND_SERVICE (e.g. \`sudo setcap cap_net_bind_service=+ep $(which node)\`); the NodePort still works`;
  if (code === 'EADDRINUSE') return `${message} — stop whatever holds this address and port, or change the Service's address or port`;
  if (code === 'EADDRNOTAVAIL') return `${message} — the address is not configured on this machine; add it to an interface or pick another`;
  return message;
}
