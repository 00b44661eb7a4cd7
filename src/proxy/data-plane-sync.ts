// Keeps the data plane in step with the control plane. Main thread.
// On every change notice it recomputes, for each affected Service, its Service ports' endpoint
// snapshots (published to all workers) and its listeners (bound or closed through the worker pool).
// Listeners that already exist are never re-created, so a change never drops an established
// connection; a removed endpoint keeps its slot until its connections drain. The steps: what the
// Service wants (desired-service-ports.ts, plan-listeners.ts: data), which table index each port
// holds (service-port-indexes.ts), the listeners' diff and binds (service-listeners.ts), all run on
// one chain (service-sync-queue.ts) that syncs up to SYNC_CONCURRENCY Services at once.
import type { Registry } from '../control/registry.ts';
import type { EndpointSlots } from './endpoint-slots.ts';
import type { WorkerPool } from '../data/worker-pool.ts';
import type { EndpointSnapshot, ListenerSpec } from '../shared/messages.ts';
import { splitNamespacedKey } from '../model/namespace-of.ts';
import type { Pod, Service } from '../model/types.ts';
import { desiredServicePorts } from './desired-service-ports.ts';
import { isProxied, planListeners } from './plan-listeners.ts';
import { servicePortOptions, type DataPlaneDefaults } from './service-port-options.ts';
import type { LbAddressPool } from './lb-address-pool.ts';
import { ServiceListeners, type ListenerStatus } from './service-listeners.ts';
import { ServicePortIndexes } from './service-port-indexes.ts';
import { ServiceSyncQueue } from './service-sync-queue.ts';
import { AffinityGroups } from './affinity-groups.ts';

export type { ListenerStatus } from './service-listeners.ts';

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

/** Services synced at once: enough for their binds to share a listening census (the cost that
 *  grows with the listeners bound), few enough that the workers' bind round trips stay short. */
const SYNC_CONCURRENCY = 64;

export function startDataPlaneSync(o: DataPlaneSyncOptions): DataPlaneSync {
  const indexes = new ServicePortIndexes(() => o.slots.allocServicePort());
  const published = new Map<number, PublishedServicePort>();
  const affinity = new AffinityGroups(o.slots.table.maxServicePorts, (key) => o.slots.table.forgetAffinity(key));
  const queue = new ServiceSyncQueue(syncService, (message) => o.log('error', message), SYNC_CONCURRENCY);

  const serviceKeyOf = (s: Service) => `${s.metadata.namespace}/${s.metadata.name}`;
  const getService = (key: string) => {
    const [ns, name] = splitNamespacedKey(key);
    return o.registry.get('Service', ns, name) as Service | undefined;
  };
  const listeners = new ServiceListeners({
    pool: o.pool, event, clock: o.clock ?? Date.now, random: o.random ?? Math.random, maxListeners: o.maxListeners ?? 0,
    service: getService,
  });

  /** Records a Service event and logs it; `logSuffix` goes to the log line only (events aggregate
   *  repeats by message, so what changes between repeats stays out of it). */
  function event(service: Service, type: 'Normal' | 'Warning', reason: string, message: string, logSuffix = '') {
    o.registry.recordEvent({ kind: 'Service', namespace: service.metadata.namespace, name: service.metadata.name },
      type, reason, message, 'switchyard-proxy');
    o.log(type === 'Warning' ? 'warn' : 'info', `service ${serviceKeyOf(service)}: ${reason}: ${message}${logSuffix}`);
  }

  /** Publishes a snapshot of every Service port the Service has; the table indexes they hold. */
  function publishEndpoints(service: Service, serviceKey: string): Set<number> {
    const live = new Set<number>();
    const ports = desiredServicePorts(service, o.registry.serviceSlices(service.metadata.namespace!, service.metadata.name!),
      (ns, name) => o.registry.get('Pod', ns, name) as Pod | undefined);
    const { options, problems } = servicePortOptions(service, o.defaults, o.algorithms);
    for (const p of problems) event(service, 'Warning', 'InvalidAnnotation', p);
    for (const { port, protocol, label, endpoints: desired } of ports) {
      const index = indexes.indexFor(serviceKey, port);
      live.add(index);
      const generation = indexes.nextGeneration(index);
      const endpoints = o.slots.update(index, desired);
      published.set(index, { index, service: serviceKey, port: label, protocol, endpoints });
      o.pool.setServicePort({
        index, name: `${serviceKey}:${label}`, generation, endpoints,
        options: { ...options, affinityKey: affinity.keyFor(serviceKey, port.port, index) },
      });
    }
    return live;
  }

  function retirePorts(serviceKey: string, keep: Set<number>) {
    for (const index of indexes.retire(serviceKey, keep)) {
      affinity.release(index);
      published.delete(index);
      o.slots.update(index, []);
      o.pool.removeServicePort(index);
      o.slots.freeServicePort(index);
    }
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
      wanted = planListeners({ service, servicePortIndex: (p) => indexes.indexFor(serviceKey, p), nodeAddresses: o.nodeAddresses, loadBalancerAddress: lbAddress });
    } else o.lbPool.release(serviceKey);
    await listeners.reconcile(serviceKey, service, wanted);
    if (service?.spec.type === 'LoadBalancer') {
      const lb = wanted.find((l) => l.role === 'loadBalancer');
      const bound = lb && listeners.isBound(lb.id);
      o.registry.setLoadBalancerIngress(service.metadata.namespace!, service.metadata.name!, bound ? [{ ip: lb.address, ipMode: 'VIP' }] : []);
    }
  }

  async function syncService(serviceKey: string) {
    const service = getService(serviceKey);
    const live = service && isProxied(service) ? publishEndpoints(service, serviceKey) : new Set<number>();
    await syncListeners(service, serviceKey);
    retirePorts(serviceKey, live);
  }

  const unsubscribe = o.registry.subscribe((notice) => queue.schedule(notice.services));
  queue.schedule(o.registry.list('Service').map((s) => serviceKeyOf(s as Service)));

  const timer = setInterval(() => {
    o.slots.sweep();
    if (listeners.retryDue()) queue.run('listener retry', () => listeners.retry(() => queue.closed));
  }, o.retryIntervalMs ?? 1000);
  timer.unref();

  // A process may join a reuseport listener after it was bound (nothing stops one of the same user
  // from doing so): say so while it lasts, so that the lost share of connections is explained.
  const shareTimer = setInterval(() => queue.run('listener share check', () => listeners.checkShared()), o.shareCheckIntervalMs ?? 5000);
  shareTimer.unref();

  return {
    settled: () => queue.settled(),
    listeners: () => listeners.status(),
    servicePorts: () => [...published.values()].sort((a, b) => (a.service + a.port).localeCompare(b.service + b.port)),
    async close() {
      clearInterval(timer);
      clearInterval(shareTimer);
      unsubscribe();
      await queue.close();
    },
  };
}
