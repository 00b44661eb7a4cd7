// One running switchyard: store → registry → data plane (workers, listeners) → admin API.
// Main thread. `switchyard serve` is a thin CLI around startServer(); tests start it in-process.
// Its options and defaults are server-options.ts, the store and the controllers' election
// server-store.ts, what the admin API reports server-metrics.ts, and the stop (or the undo of a
// failed start) server-shutdown.ts; this file starts the parts in order and wires them together.
import { createRegistry, type Registry } from '../control/registry.ts';
import { startAdminServer } from '../admin/admin-server.ts';
import { createEndpointTable } from '../shared/endpoint-table.ts';
import { createEndpointSlots } from '../proxy/endpoint-slots.ts';
import { startWorkerPool, type WorkerPool } from '../data/worker-pool.ts';
import { balancerNames } from '../balancers/registry.ts';
import { startDataPlaneSync, type DataPlaneSync } from '../proxy/data-plane-sync.ts';
import { createLbAddressPool } from '../proxy/lb-address-pool.ts';
import { applyManifestPaths, type ApplyLine } from './apply-manifest-paths.ts';
import { startHealthManager, type HealthManager } from '../health/health-manager.ts';
import { unprobedReadiness } from '../health/unprobed-readiness.ts';
import { metricsRoutes } from '../admin/metrics-routes.ts';
import { startStatusSampler } from '../admin/status-sampler.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { createDockerEngineClient, parseDockerHost } from '../discovery/docker-engine-client.ts';
import { startDockerDiscovery } from '../discovery/docker-discovery.ts';
import { startDns, type RunningDns } from '../dns/start-dns.ts';
import { startFqdnResolver, systemLookup, type FqdnResolver } from '../discovery/fqdn-resolver.ts';
import { defaultKubeDnsIP, kubeDnsPlan } from '../dns/kube-dns-plan.ts';
import { createListenerBudget } from '../proxy/listener-budget.ts';
import type { LeaderElection } from '../store/store.ts';
import { cachedFor, countOpenDescriptors, planDescriptorBudget, readOpenFileLimit, trafficRoom } from './descriptor-budget.ts';
import { openAccessLog } from './access-log-sink.ts';
import type { ServerOptions } from './server-options.ts';
import { serverMetrics } from './server-metrics.ts';
import { openServerStore } from './server-store.ts';
import { shutDown, type StartedParts } from './server-shutdown.ts';

/** Service-port regions of the shared endpoint table (cursor and counters each): Service ports,
 *  not Services, across every namespace. */
const MAX_SERVICE_PORTS = 16384;
/** ClientIP affinity entries of the shared table: distinct (client, Service port) pairs remembered. */
const AFFINITY_ENTRIES = 65536;
/** Probes in flight at once, whatever the number of endpoints. */
const MAX_CONCURRENT_PROBES = 64;

export interface RunningServer {
  registry: Registry;
  /** Reachability of a shared store; undefined with the embedded one. */
  storeStatus(): { ready: boolean; message: string } | undefined;
  /** The controllers' leader election; undefined without a shared store or with election off. */
  election: LeaderElection | undefined;
  pool: WorkerPool;
  health: HealthManager;
  sync: DataPlaneSync;
  dns: RunningDns;
  fqdn: FqdnResolver;
  adminUrl: string;
  /** Re-read the -f paths and apply them (SIGHUP). */
  reload(): Promise<ApplyLine[]>;
  /** Stop accepting, let connections drain (bounded by drainTimeoutMs), close everything. */
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  // Checked before anything starts: a bad pool, or a descriptor budget that cannot fit the
  // open-file limit, is the operator's to fix, not a half-started server's.
  const lbPool = createLbAddressPool(o.lbPool);
  const budget = planDescriptorBudget({
    limit: 'openFileLimit' in o ? o.openFileLimit : readOpenFileLimit(), workers: o.workers, accept: o.accept, udpSockets: o.udpSockets,
    maxListeners: o.maxListeners, maxConnections: o.maxConnections, maxUdpFlows: o.maxUdpFlows,
  });
  o.log('info', `descriptor budget: ${budget.summary}`);
  // Counted at most once a second for /readyz and the status sampler alike (a directory read).
  const openDescriptors = cachedFor(1000, countOpenDescriptors);
  const { store, elected, elect } = await openServerStore(o);
  // Readiness while no health loop runs (before it starts, after it stops): a probed Pod is not
  // ready; on a shared store the registry goes by the verdicts the leader published instead.
  const withoutHealth = elected ? undefined : unprobedReadiness;
  const started: StartedParts = { store, readinessWithoutHealth: withoutHealth };
  try {
    // kube-dns's address is kept from automatic allocation even with DNS off, so that turning it on
    // later never finds it taken.
    const reserved = [defaultKubeDnsIP(o.serviceCidr)];
    if (o.dns.address !== undefined) reserved.push(kubeDnsPlan(o.serviceCidr, o.dns.address)?.clusterIP);
    const registry = started.registry = await createRegistry({
      store, serviceCidr: o.serviceCidr, reservedClusterIPs: reserved.filter((ip) => ip !== undefined), nodePortRange: o.nodePortRange,
      leading: elected ? false : undefined, log: (m) => o.log('warn', m), readiness: withoutHealth,
    });
    const election = started.election = elect(registry);
    const table = createEndpointTable({ maxSlots: o.maxSlots, maxServicePorts: MAX_SERVICE_PORTS, affinityEntries: AFFINITY_ENTRIES });
    // Before the -f manifests are applied, so that they are held to the budget too. What their
    // listeners need is reserved from the room the workers' connections and flows share.
    const listenerBudget = started.listenerBudget = createListenerBudget({
      registry, nodeAddresses: o.nodeAddresses, max: budget.maxListeners, perListener: budget.perListener, openFileLimit: budget.limit,
      onChange: (needed) => table.setDescriptorRoom(trafficRoom(budget, needed)),
    });
    registry.setAdmission(listenerBudget.admit);
    const fqdn = started.fqdn = startFqdnResolver({ registry, lookup: systemLookup(o.fqdnNameservers), log: o.log });
    const reportApply = (lines: ApplyLine[]) => {
      for (const l of lines) o.log(l.error ? 'error' : l.skipped ? 'warn' : 'info', l.text);
    };
    if (o.files.length) reportApply(await applyManifestPaths(registry, o.files));

    const slots = createEndpointSlots(table);
    const accessLog = started.accessLog = openAccessLog(o.accessLog);
    const pool = started.pool = await startWorkerPool({
      workers: o.workers, accept: o.accept, table, drainTimeoutMs: o.drainTimeoutMs, maxConnections: budget.maxConnections,
      maxUdpFlows: budget.maxUdpFlows, udpSockets: o.udpSockets, udpRecvBufferBytes: o.udpRecvBufferBytes, accessLog: accessLog.write, randomSeed: o.randomSeed, log: o.log,
    });
    const sync = started.sync = startDataPlaneSync({
      registry, slots, pool, lbPool, nodeAddresses: o.nodeAddresses,
      defaults: {
        algorithm: o.algorithm, connectTimeoutMs: o.connectTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, connectAttempts: o.connectAttempts,
        clientIpAlgorithm: store.shared ? 'maglev' : undefined,
      },
      algorithms: balancerNames(), log: o.log, maxListeners: budget.maxListeners,
    });
    await sync.settled();
    const health = started.health = startHealthManager({
      registry, slots, log: o.log, maxConcurrent: MAX_CONCURRENT_PROBES, defaultProbe: o.defaultProbe,
      ejection: { enabled: o.ejectAfterFailures > 0, consecutiveFailures: Math.max(1, o.ejectAfterFailures) },
      // Probes run on the leader only; passive ejection stays local to every instance.
      probing: elected ? () => registry.leading() : undefined,
    });
    registry.setReadiness(health);
    if (o.docker) {
      started.docker = startDockerDiscovery({
        ...o.docker, client: createDockerEngineClient(parseDockerHost(o.docker.host)), target: registry, log: o.log,
      });
      await started.docker.ready();
    }
    const dns = started.dns = await startDns({ registry, serviceCidr: o.serviceCidr, settings: { ...o.dns, shared: store.shared !== undefined }, log: o.log });
    const metrics = serverMetrics({ table, sync, registry, pool, health, dns, store, election, budget, listenerBudget, openDescriptors });
    const sampler = started.sampler = startStatusSampler(metrics, { log: o.log });
    const admin = started.admin = await startAdminServer({
      control: registry, host: o.admin.host, port: o.admin.port, token: o.admin.token,
      log: (line) => o.log('warn', line), notReady: metrics.notReady,
      extraRoutes: metricsRoutes(metrics, sampler),
    });
    let stopping: Promise<void> | undefined;
    return {
      registry, pool, sync, health, dns, fqdn, election,
      adminUrl: `http://${joinHostPort(admin.address, admin.port)}`,
      storeStatus: () => store.shared?.status(),
      async reload() {
        const lines = await applyManifestPaths(registry, o.files);
        reportApply(lines);
        await sync.settled();
        return lines;
      },
      stop() {
        stopping ??= shutDown(started, { kind: 'stop', drainTimeoutMs: o.drainTimeoutMs, log: o.log });
        return stopping;
      },
    };
  } catch (err) {
    await shutDown(started, { kind: 'undo' });
    throw err;
  }
}
