// One running switchyard: store → registry → data plane (workers, listeners) → admin API.
// Main thread. `switchyard serve` is a thin CLI around startServer(); tests start it in-process.
import { createWriteStream, type WriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { hostname } from 'node:os';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { openEtcdStore } from '../store/etcd-store.ts';
import type { EtcdConnection } from '../store/etcd-connection.ts';
import type { LeaderElection, Store } from '../store/store.ts';
import { createRegistry, type Registry } from '../control/registry.ts';
import { startAdminServer } from '../admin/admin-server.ts';
import { createEndpointTable } from '../shared/endpoint-table.ts';
import { createEndpointSlots } from '../proxy/endpoint-slots.ts';
import { DEFAULT_UDP_SOCKETS, startWorkerPool, type UdpSocketMode, type WorkerPool } from '../data/worker-pool.ts';
import { balancerNames } from '../balancers/registry.ts';
import { startDataPlaneSync, type DataPlaneSync } from '../proxy/data-plane-sync.ts';
import { createLbAddressPool, DEFAULT_LB_POOL } from '../proxy/lb-address-pool.ts';
import { DEFAULT_SERVICE_CIDR } from '../control/cluster-ip-allocator.ts';
import { DEFAULT_NODE_PORT_RANGE } from '../control/node-port-allocator.ts';
import { applyManifestPaths, type ApplyLine } from './apply-manifest-paths.ts';
import { startHealthManager, type HealthManager } from '../health/health-manager.ts';
import { unprobedReadiness } from '../health/unprobed-readiness.ts';
import { metricsRoutes } from '../admin/metrics-routes.ts';
import { readUdpKernelDrops } from '../admin/udp-kernel-drops.ts';
import type { MetricsSource } from '../admin/metrics-snapshot.ts';
import { startStatusSampler, type StatusSampler } from '../admin/status-sampler.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { createDockerEngineClient, parseDockerHost } from '../discovery/docker-engine-client.ts';
import { startDockerDiscovery, type DockerDiscovery } from '../discovery/docker-discovery.ts';
import type { DockerAddressMode } from '../discovery/docker-container-pod.ts';
import { startDns, type DnsSettings, type RunningDns } from '../dns/start-dns.ts';
import { startFqdnResolver, systemLookup, type FqdnResolver } from '../discovery/fqdn-resolver.ts';
import { defaultKubeDnsIP, kubeDnsPlan } from '../dns/kube-dns-plan.ts';
import type { Service } from '../model/types.ts';
import { isKubeDnsService } from '../model/kube-dns-service.ts';
import { createListenerBudget, type ListenerBudget } from '../proxy/listener-budget.ts';
import { cachedFor, countOpenDescriptors, descriptorReadiness, planDescriptorBudget, readOpenFileLimit } from './descriptor-budget.ts';

export { DEFAULT_MAX_UDP_FLOWS } from './descriptor-budget.ts';

export interface ServerOptions {
  stateDir: string;
  /** Where objects are kept: the embedded SQLite file in stateDir (default), or an etcd cluster several instances share. */
  store?: { kind: 'sqlite' } | { kind: 'etcd'; connection: EtcdConnection };
  /** With etcd: run the controllers (endpoints, health loop) on one elected instance (default true). */
  leaderElect?: boolean;
  /** The leader lease's TTL in seconds (default 5): how soon another instance takes over. */
  leaseSeconds?: number;
  /** This instance's name in the leader lease (default HOSTNAME-PID). */
  identity?: string;
  files: string[];
  admin: { host: string; port: number; token?: string };
  serviceCidr: string;
  nodePortRange: string;
  nodeAddresses: string[];
  lbPool: string;
  workers: number;
  accept: 'transfer' | 'reuseport';
  algorithm: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  connectAttempts: number;
  /** Global limit on proxied connections; 0 = derive it from the open-file limit. */
  maxConnections: number;
  /** Listeners the Services may have in all; 0 = derive it from the open-file limit. */
  maxListeners: number;
  /** Soft RLIMIT_NOFILE; default read from /proc/self/limits (tests pass one). */
  openFileLimit?: number;
  /** Global limit on live UDP flows; each holds one socket (a file descriptor) to its endpoint.
   *  0 = derive it from the open-file limit (at most DEFAULT_MAX_UDP_FLOWS). */
  maxUdpFlows: number;
  udpSockets: UdpSocketMode;
  /** SO_RCVBUF asked for on UDP listeners (capped by net.core.rmem_max). */
  udpRecvBufferBytes: number;
  drainTimeoutMs: number;
  /** File path, '-' for stdout, or undefined for none. */
  accessLog?: string;
  maxSlots: number;
  /** The implicit TCP-connect probe for endpoints without a readinessProbe. */
  defaultProbe: { enabled: boolean; periodSeconds: number; timeoutSeconds: number; failureThreshold: number; successThreshold: number };
  /** Seed for the random balancers (each worker: seed + its id); undefined = Math.random. */
  randomSeed?: number;
  /** Passive ejection after this many consecutive connect failures (0 = off). */
  ejectAfterFailures: number;
  /** `--discover docker`: running containers become Pods (DOCKER_HOST, default the local socket). */
  docker?: { host?: string; namespace: string; addressMode: DockerAddressMode; network?: string };
  /** The built-in DNS responder (kube-system/kube-dns). */
  dns: DnsSettings;
  /** Name servers (IP or IP:PORT) that resolve FQDN endpoints; undefined = the host's resolver. */
  fqdnNameservers?: string[];
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Service-port regions of the shared endpoint table (cursor and counters each): Service ports,
 *  not Services, across every namespace. */
const MAX_SERVICE_PORTS = 16384;
/** ClientIP affinity entries of the shared table: distinct (client, Service port) pairs remembered. */
const AFFINITY_ENTRIES = 65536;
/** Probes in flight at once, whatever the number of endpoints. */
const MAX_CONCURRENT_PROBES = 64;
/** How long stop() waits beyond the drain timeout for workers that never report back. */
const STOP_GRACE_MS = 5000;

export const SERVER_DEFAULTS: Omit<ServerOptions, 'stateDir' | 'files' | 'log'> = {
  admin: { host: '127.0.0.1', port: 10249 },
  serviceCidr: DEFAULT_SERVICE_CIDR,
  nodePortRange: DEFAULT_NODE_PORT_RANGE,
  nodeAddresses: ['0.0.0.0'],
  lbPool: DEFAULT_LB_POOL,
  workers: Math.max(1, availableParallelism()),
  // DEFAULT_ACCEPT_MODE's measurements (src/data/worker-pool.ts).
  accept: 'reuseport',
  algorithm: 'round-robin',
  connectTimeoutMs: 5000,
  idleTimeoutMs: 3_600_000,
  connectAttempts: 3,
  maxConnections: 0,
  maxListeners: 0,
  maxUdpFlows: 0,
  udpSockets: DEFAULT_UDP_SOCKETS,
  udpRecvBufferBytes: 4 << 20,
  drainTimeoutMs: 60_000,
  maxSlots: 65536,
  defaultProbe: { enabled: true, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
  ejectAfterFailures: 5,
  dns: { clusterDomain: 'cluster.local', ttl: 5 },
};

/** The Lease that names the controllers' leader (kube-system/switchyard-controller, as kube-controller-manager's). */
export const LEADER_LEASE = 'switchyard-controller';

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
  const store: Store = o.store?.kind === 'etcd'
    ? await openEtcdStore(o.store.connection, { log: (m) => o.log('info', m) })
    : await openSqliteStore(o.stateDir);
  const elect = store.shared !== undefined && (o.leaderElect ?? true);
  const identity = o.identity ?? `${hostname()}-${process.pid}`;
  // Readiness while no health loop runs (before it starts, after it stops): a probed Pod is not
  // ready; on a shared store the registry goes by the verdicts the leader published instead.
  const withoutHealth = elect ? undefined : unprobedReadiness;
  let election: LeaderElection | undefined;
  let registry: Registry | undefined;
  let pool: WorkerPool | undefined;
  let startedSync: DataPlaneSync | undefined;
  let startedHealth: HealthManager | undefined;
  let accessLog: WriteStream | undefined;
  let listenerBudget: ListenerBudget | undefined;
  let docker: DockerDiscovery | undefined;
  let dns: RunningDns | undefined;
  let fqdn: FqdnResolver | undefined;
  let sampler: StatusSampler | undefined;
  try {
    // kube-dns's address is kept from automatic allocation even with DNS off, so that turning it on
    // later never finds it taken.
    const reserved = [defaultKubeDnsIP(o.serviceCidr)];
    if (o.dns.address !== undefined) reserved.push(kubeDnsPlan(o.serviceCidr, o.dns.address)?.clusterIP);
    registry = await createRegistry({
      store, serviceCidr: o.serviceCidr, reservedClusterIPs: reserved.filter((ip) => ip !== undefined), nodePortRange: o.nodePortRange,
      leading: elect ? false : undefined, log: (m) => o.log('warn', m),
      readiness: withoutHealth,
    });
    const reg = registry;
    if (elect) {
      // The Lease object is set before the registry leads, so that the first publication has it.
      const publishLease = () => reg.setLeaderLease(LEADER_LEASE, election?.state());
      election = store.shared!.elect(LEADER_LEASE, {
        identity, ttlSeconds: o.leaseSeconds ?? 5,
        onChange: (leading) => {
          if (leading) publishLease();
          reg.setLeading(leading);
        },
        onRenewed: publishLease,
      });
    }
    // Before the -f manifests are applied, so that they are held to the budget too.
    listenerBudget = createListenerBudget({
      registry: reg, nodeAddresses: o.nodeAddresses, max: budget.maxListeners, perListener: budget.perListener, openFileLimit: budget.limit,
    });
    reg.setAdmission(listenerBudget.admit);
    const runningBudget = listenerBudget;
    fqdn = startFqdnResolver({ registry: reg, lookup: systemLookup(o.fqdnNameservers), log: o.log });
    const runningFqdn = fqdn;
    const reportApply = (lines: ApplyLine[]) => {
      for (const l of lines) o.log(l.error ? 'error' : l.skipped ? 'warn' : 'info', l.text);
    };
    if (o.files.length) reportApply(await applyManifestPaths(reg, o.files));

    const table = createEndpointTable({ maxSlots: o.maxSlots, maxServicePorts: MAX_SERVICE_PORTS, affinityEntries: AFFINITY_ENTRIES });
    const slots = createEndpointSlots(table);
    if (o.accessLog === '-') accessLog = undefined;
    else if (o.accessLog) accessLog = createWriteStream(o.accessLog, { flags: 'a' });
    const sink = o.accessLog === undefined ? undefined
      : o.accessLog === '-' ? (lines: string[]) => { process.stdout.write(lines.join('\n') + '\n'); }
      : (lines: string[]) => { accessLog!.write(lines.join('\n') + '\n'); };
    pool = await startWorkerPool({
      workers: o.workers, accept: o.accept, table, drainTimeoutMs: o.drainTimeoutMs, maxConnections: budget.maxConnections,
      maxUdpFlows: budget.maxUdpFlows, udpSockets: o.udpSockets, udpRecvBufferBytes: o.udpRecvBufferBytes, accessLog: sink, randomSeed: o.randomSeed, log: o.log,
    });
    const sync = startDataPlaneSync({
      registry: reg, slots, pool, lbPool, nodeAddresses: o.nodeAddresses,
      defaults: {
        algorithm: o.algorithm, connectTimeoutMs: o.connectTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, connectAttempts: o.connectAttempts,
        clientIpAlgorithm: store.shared ? 'maglev' : undefined,
      },
      algorithms: balancerNames(), log: o.log, maxListeners: budget.maxListeners,
    });
    startedSync = sync;
    await sync.settled();
    const health = startHealthManager({
      registry: reg, slots, log: o.log, maxConcurrent: MAX_CONCURRENT_PROBES, defaultProbe: o.defaultProbe,
      ejection: { enabled: o.ejectAfterFailures > 0, consecutiveFailures: Math.max(1, o.ejectAfterFailures) },
      // Probes run on the leader only; passive ejection stays local to every instance.
      probing: elect ? () => reg.leading() : undefined,
    });
    startedHealth = health;
    reg.setReadiness(health);
    if (o.docker) {
      docker = startDockerDiscovery({
        ...o.docker, client: createDockerEngineClient(parseDockerHost(o.docker.host)), target: reg, log: o.log,
      });
      await docker.ready();
    }
    const discovery = docker;
    dns = await startDns({ registry: reg, serviceCidr: o.serviceCidr, settings: { ...o.dns, shared: store.shared !== undefined }, log: o.log });
    const runningDns = dns;
    const readiness = notReady(store, descriptorReadiness(budget.limit, openDescriptors));
    const metrics: MetricsSource = {
      // The data plane's Services: the built-in kube-dns has no listener there (DNS has its own families).
      table, sync, services: () => (reg.list('Service') as Service[]).filter((s) => !isKubeDnsService(s)), workers: () => pool!.size,
      probeMessages: () => new Map(health.status().map((t) => [t.endpoint, t.lastMessage])),
      udpKernelDrops: readUdpKernelDrops,
      extraMetrics: () => (runningDns.plan ? runningDns.metrics.prometheus() : ''),
      descriptors: () => {
        const open = openDescriptors();
        return {
          open: typeof open === 'number' ? open : undefined, limit: budget.limit,
          maxListeners: budget.maxListeners, listenersNeeded: runningBudget.used(), maxConnections: budget.maxConnections,
          maxUdpFlows: budget.maxUdpFlows,
        };
      },
      notReady: readiness,
      store: store.shared ? () => ({
        message: store.shared!.status().message, leader: election?.state().holder, leading: reg.leading(),
      }) : undefined,
    };
    sampler = startStatusSampler(metrics, { log: o.log });
    const admin = await startAdminServer({
      control: reg, host: o.admin.host, port: o.admin.port, token: o.admin.token,
      log: (line) => o.log('warn', line), notReady: readiness,
      extraRoutes: metricsRoutes(metrics, sampler),
    });
    const runningSampler = sampler;
    const adminUrl = `http://${joinHostPort(admin.address, admin.port)}`;
    const running = pool;
    let stopping: Promise<void> | undefined;
    return {
      registry: reg, pool: running, sync, adminUrl, health, dns: runningDns, fqdn: runningFqdn, election,
      storeStatus: () => store.shared?.status(),
      async reload() {
        const lines = await applyManifestPaths(reg, o.files);
        reportApply(lines);
        await sync.settled();
        return lines;
      },
      stop() {
        stopping ??= (async () => {
          await discovery?.close();
          // Hand the lease over at once rather than after its TTL.
          await election?.close();
          await admin.close();
          runningSampler.close();
          await runningDns.close();
          runningFqdn.close();
          reg.setReadiness(withoutHealth);
          reg.setAdmission(undefined);
          listenerBudget?.close();
          await health.close();
          await sync.close();
          // The drain is bounded by the drain timeout; the grace on top only guards against a worker
          // that never reports back, so that SIGTERM always ends the process.
          const graceMs = o.drainTimeoutMs + STOP_GRACE_MS;
          const finished = await within(running.drain(o.drainTimeoutMs).then(() => running.close()), graceMs);
          if (!finished) o.log('error', `the data-plane workers did not finish within ${graceMs} ms of the drain; stopping anyway`);
          await reg.close();
          await new Promise<void>((r) => (accessLog ? accessLog.end(r) : r()));
        })();
        return stopping;
      },
    };
  } catch (err) {
    // Undo what was started, last first: discovery, DNS, the loops, the workers, the registry they read.
    await docker?.close().catch(() => {});
    await election?.close().catch(() => {});
    sampler?.close();
    listenerBudget?.close();
    await dns?.close().catch(() => {});
    fqdn?.close();
    if (registry) registry.setReadiness(withoutHealth);
    await startedHealth?.close().catch(() => {});
    await startedSync?.close().catch(() => {});
    await pool?.close().catch(() => {});
    if (registry) await registry.close().catch(() => {});
    else await store.close().catch(() => {});
    accessLog?.end();
    throw err;
  }
}

/** true when `p` settles within `ms`; false (and p left running) otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(() => { clearTimeout(timer); resolve(true); }, () => { clearTimeout(timer); resolve(true); });
  });
}

/** /readyz's reason to answer 503: the shared store unreachable first (this instance serves a state
 *  that may be stale), then the descriptor budget. */
function notReady(store: Store, descriptors: () => string | undefined): () => string | undefined {
  return () => {
    const s = store.shared?.status();
    return s && !s.ready ? s.message : descriptors();
  };
}
