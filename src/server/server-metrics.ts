// What /metrics, /status.json, /readyz and the status sampler read of a running instance, gathered
// from its parts: the data plane's Services (the built-in kube-dns has no listener there; DNS has
// its own families), the health loop's probe messages, the descriptor budget and what uses it,
// and the shared store with its leader. Main thread.
import type { MetricsSource } from '../admin/metrics-snapshot.ts';
import { readUdpKernelDrops } from '../admin/udp-kernel-drops.ts';
import type { Registry } from '../control/registry.ts';
import type { WorkerPool } from '../data/worker-pool.ts';
import type { RunningDns } from '../dns/start-dns.ts';
import type { HealthManager } from '../health/health-manager.ts';
import { isKubeDnsService } from '../model/kube-dns-service.ts';
import type { Service } from '../model/types.ts';
import type { DataPlaneSync } from '../proxy/data-plane-sync.ts';
import type { ListenerBudget } from '../proxy/listener-budget.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import type { LeaderElection, Store } from '../store/store.ts';
import { descriptorReadiness, type DescriptorBudget } from './descriptor-budget.ts';

export interface ServerMetricsParts {
  table: EndpointTable;
  sync: DataPlaneSync;
  registry: Registry;
  pool: WorkerPool;
  health: HealthManager;
  dns: RunningDns;
  store: Store;
  election: LeaderElection | undefined;
  budget: DescriptorBudget;
  listenerBudget: ListenerBudget;
  /** Open descriptors now (cached: a directory read). */
  openDescriptors(): number | 'exhausted' | undefined;
}

/** A cap as /metrics writes it: 0 = unlimited. */
const asGauge = (cap: number): number => (cap === Infinity ? 0 : cap);

export function serverMetrics(p: ServerMetricsParts): MetricsSource & { notReady(): string | undefined } {
  const shared = p.store.shared;
  const descriptorsShort = descriptorReadiness(p.budget.limit, p.openDescriptors);
  return {
    table: p.table,
    sync: p.sync,
    services: () => (p.registry.list('Service') as Service[]).filter((s) => !isKubeDnsService(s)),
    workers: () => p.pool.size,
    probeMessages: () => new Map(p.health.status().map((t) => [t.endpoint, t.lastMessage])),
    udpKernelDrops: readUdpKernelDrops,
    extraMetrics: () => (p.dns.plan ? p.dns.metrics.prometheus() : ''),
    descriptors: () => {
      const open = p.openDescriptors();
      return {
        open: typeof open === 'number' ? open : undefined, limit: p.budget.limit,
        maxListeners: p.budget.maxListeners, listenersNeeded: p.listenerBudget.used(),
        // What admission allows now: the explicit cap, or fewer where the shared room does.
        maxConnections: asGauge(p.table.connectionCap(p.budget.maxConnections)),
        maxUdpFlows: asGauge(p.table.flowCap(p.budget.maxUdpFlows)),
      };
    },
    // /readyz's reason to answer 503: the shared store unreachable first (this instance serves a
    // state that may be stale), then the descriptor budget.
    notReady: () => {
      const s = shared?.status();
      return s && !s.ready ? s.message : descriptorsShort();
    },
    store: shared ? () => ({
      message: shared.status().message, leader: p.election?.state().holder, leading: p.registry.leading(),
    }) : undefined,
  };
}
