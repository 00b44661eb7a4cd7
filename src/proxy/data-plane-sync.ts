// Keeps the data plane in step with the control plane. Main thread.
// On every change notice it recomputes, for each affected Service, its Service ports' endpoint
// snapshots (published to all workers) and its listeners (bound or closed through the worker pool).
// Listeners that already exist are never re-created, so a change never drops an established
// connection; a removed endpoint keeps its slot until its connections drain.
import type { Registry } from '../control/registry.ts';
import type { EndpointSlots } from './endpoint-slots.ts';
import type { WorkerPool } from '../data/worker-pool.ts';
import type { EndpointSnapshot, ListenerSpec } from '../shared/messages.ts';
import type { Service, ServicePort } from '../model/types.ts';
import { portKey, servicePortEndpoints } from '../model/service-port-endpoints.ts';
import { isProxied, planListeners } from './plan-listeners.ts';
import { servicePortOptions, weightFromAnnotations, type DataPlaneDefaults } from './service-port-options.ts';
import type { LbAddressPool } from './lb-address-pool.ts';
import { ServiceListeners, type ListenerStatus } from './service-listeners.ts';
import { AffinityGroups } from './affinity-groups.ts';

export type { ListenerStatus } from './service-listeners.ts';
import { joinHostPort } from '../model/ip-address.ts';

export interface DataPlaneSyncOptions {
  registry: Registry;
  slots: EndpointSlots;
  pool: WorkerPool;
  lbPool: LbAddressPool;
  nodeAddresses: string[];
  defaults: DataPlaneDefaults;
  algorithms: readonly string[];
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** How often drained slots are swept and due listener retries run (default 1 s). */
  retryIntervalMs?: number;
  /** How often bound listeners are checked for another process listening there too (default 5 s). */
  shareCheckIntervalMs?: number;
  clock?: () => number;
  random?: () => number;
  /** Listeners bound at most (the descriptor budget); 0 = unlimited. Admission keeps new Services
   *  within it; this holds when stored ones exceed it (the limit was lowered since). */
  maxListeners?: number;
}

export interface DataPlaneSync {
  /** Resolves when every change so far has reached the data plane. */
  settled(): Promise<void>;
  /** Listener states, for status pages, /metrics and describe. */
  listeners(): ListenerStatus[];
  /** The Service ports published to the data plane, with their table index (metrics, status page). */
  servicePorts(): PublishedServicePort[];
  close(): Promise<void>;
}

export interface PublishedServicePort {
  index: number;
  /** `namespace/name`. */
  service: string;
  /** `portName-or-number/PROTOCOL`. */
  port: string;
  /** Absent: TCP. */
  protocol?: 'TCP' | 'UDP';
  endpoints: EndpointSnapshot[];
}

export function startDataPlaneSync(o: DataPlaneSyncOptions): DataPlaneSync {
  // Per Service, so that syncing one Service never walks the others' ports or listeners.
  const portIndexes = new Map<string, Map<string, number>>(); // `ns/name` → portKey → table index
  const generations = new Map<number, number>();
  const published = new Map<number, PublishedServicePort>();
  const pending = new Set<string>();
  const affinity = new AffinityGroups(o.slots.table.maxServicePorts, (key) => o.slots.table.forgetAffinity(key));
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const serviceKeyOf = (s: Service) => `${s.metadata.namespace}/${s.metadata.name}`;
  const listeners = new ServiceListeners({
    pool: o.pool, event, clock: o.clock ?? Date.now, random: o.random ?? Math.random, maxListeners: o.maxListeners ?? 0,
    service: (key) => {
      const [ns, name] = key.split('/');
      return o.registry.get('Service', ns, name) as Service | undefined;
    },
  });

  function indexFor(serviceKey: string, port: ServicePort): number {
    let ports = portIndexes.get(serviceKey);
    if (!ports) portIndexes.set(serviceKey, ports = new Map());
    const key = portKey(port);
    let index = ports.get(key);
    if (index === undefined) {
      index = o.slots.allocServicePort();
      ports.set(key, index);
    }
    return index;
  }

  /** Records a Service event and logs it; `logSuffix` goes to the log line only (events aggregate
   *  repeats by message, so what changes between repeats stays out of it). */
  function event(service: Service, type: 'Normal' | 'Warning', reason: string, message: string, logSuffix = '') {
    o.registry.recordEvent({ kind: 'Service', namespace: service.metadata.namespace, name: service.metadata.name },
      type, reason, message, 'switchyard-proxy');
    o.log(type === 'Warning' ? 'warn' : 'info', `service ${serviceKeyOf(service)}: ${reason}: ${message}${logSuffix}`);
  }

  function publishEndpoints(service: Service, serviceKey: string): Set<number> {
    const live = new Set<number>();
    const byPort = servicePortEndpoints(service, o.registry.serviceSlices(service.metadata.namespace!, service.metadata.name!));
    const { options, problems } = servicePortOptions(service, o.defaults, o.algorithms);
    for (const p of problems) event(service, 'Warning', 'InvalidAnnotation', p);
    for (const port of service.spec.ports ?? []) {
      if ((port.protocol ?? 'TCP') === 'SCTP') continue; // not carried by switchyard; validation accepts it
      const index = indexFor(serviceKey, port);
      live.add(index);
      const desired = (byPort.get(portKey(port)) ?? []).map((ep) => {
        const pod = ep.targetRef?.kind === 'Pod' && ep.targetRef.name
          ? o.registry.get('Pod', ep.targetRef.namespace ?? service.metadata.namespace!, ep.targetRef.name) : undefined;
        return {
          ip: ep.ip, port: ep.port, ready: ep.ready, serving: ep.serving, terminating: ep.terminating,
          weight: weightFromAnnotations(pod?.metadata.annotations),
          name: pod ? `${pod.metadata.namespace}/${pod.metadata.name}` : joinHostPort(ep.ip, ep.port),
        };
      });
      const generation = (generations.get(index) ?? 0) + 1;
      generations.set(index, generation);
      const endpoints = o.slots.update(index, desired);
      const protocol = port.protocol === 'UDP' ? 'UDP' : 'TCP';
      published.set(index, { index, service: serviceKey, port: `${port.name || port.port}/${protocol}`, protocol, endpoints });
      o.pool.setServicePort({
        index, name: `${serviceKey}:${port.name || port.port}/${port.protocol ?? 'TCP'}`, generation, endpoints,
        options: { ...options, affinityKey: affinity.keyFor(serviceKey, port.port, index) },
      });
    }
    return live;
  }

  function retirePorts(serviceKey: string, keep: Set<number>) {
    const ports = portIndexes.get(serviceKey);
    if (!ports) return;
    for (const [key, index] of ports) {
      if (keep.has(index)) continue;
      ports.delete(key);
      affinity.release(index);
      generations.delete(index);
      published.delete(index);
      o.slots.update(index, []);
      o.pool.removeServicePort(index);
      o.slots.freeServicePort(index);
    }
    if (ports.size === 0) portIndexes.delete(serviceKey);
  }

  async function syncListeners(service: Service | undefined, serviceKey: string) {
    let wanted: ListenerSpec[] = [];
    if (service && isProxied(service)) {
      let lbAddress: string | undefined;
      if (service.spec.type === 'LoadBalancer') {
        lbAddress = service.spec.loadBalancerIP
          || o.lbPool.acquire(serviceKey, service.status?.loadBalancer?.ingress?.[0]?.ip);
        if (!lbAddress) event(service, 'Warning', 'LoadBalancerPoolExhausted', 'no free address in the LoadBalancer address pool; EXTERNAL-IP stays <pending>');
      } else o.lbPool.release(serviceKey);
      wanted = planListeners({ service, servicePortIndex: (p) => indexFor(serviceKey, p), nodeAddresses: o.nodeAddresses, loadBalancerAddress: lbAddress });
    } else o.lbPool.release(serviceKey);
    await listeners.reconcile(serviceKey, service, wanted);
    if (service?.spec.type === 'LoadBalancer') {
      const lb = wanted.find((l) => l.role === 'loadBalancer');
      const bound = lb && listeners.isBound(lb.id);
      o.registry.setLoadBalancerIngress(service.metadata.namespace!, service.metadata.name!, bound ? [{ ip: lb.address, ipMode: 'VIP' }] : []);
    }
  }

  async function syncService(serviceKey: string) {
    const [ns, name] = serviceKey.split('/');
    const service = o.registry.get('Service', ns, name) as Service | undefined;
    const live = service && isProxied(service) ? publishEndpoints(service, serviceKey) : new Set<number>();
    await syncListeners(service, serviceKey);
    retirePorts(serviceKey, live);
  }

  function schedule(keys: Iterable<string>) {
    for (const k of keys) pending.add(k);
    running = running.then(async () => {
      while (pending.size && !closed) {
        const [key] = pending;
        pending.delete(key);
        try { await syncService(key); } catch (err) { o.log('error', `sync of service ${key} failed: ${(err as Error).stack}`); }
      }
    });
  }

  const unsubscribe = o.registry.subscribe((notice) => schedule(notice.services));
  schedule(o.registry.list('Service').map((s) => serviceKeyOf(s as Service)));

  const timer = setInterval(() => {
    o.slots.sweep();
    if (!listeners.retryDue()) return;
    running = running.then(() => listeners.retry(() => closed));
  }, o.retryIntervalMs ?? 1000);
  timer.unref();

  // A process may join a reuseport listener after it was bound (nothing stops one of the same user
  // from doing so): say so while it lasts, so that the lost share of connections is explained.
  const shareTimer = setInterval(() => {
    running = running.then(() => (closed ? undefined : listeners.checkShared()))
      .catch((err) => o.log('error', `listener share check failed: ${(err as Error).message}`));
  }, o.shareCheckIntervalMs ?? 5000);
  shareTimer.unref();

  return {
    settled: () => running,
    listeners: () => listeners.status(),
    servicePorts: () => [...published.values()].sort((a, b) => (a.service + a.port).localeCompare(b.service + b.port)),
    async close() {
      closed = true;
      clearInterval(timer);
      clearInterval(shareTimer);
      unsubscribe();
      await running;
    },
  };
}
