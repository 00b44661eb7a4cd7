// Reads the shared endpoint table (written by the workers) and the control plane's view of which
// Service port and endpoint each table index and slot belongs to, into one plain object that both
// /metrics and the status page render. Main thread; called per scrape, never per connection.
import type { Service } from '../model/types.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import type { EndpointStats, ServicePortStats, ServiceStatus, StatusDocument, UdpPortStats, WorkerStats } from '../model/status-document.ts';
import { ADMIN_DOWN, DRAINING, EJECTED, READY, SERVING, TERMINATING } from '../shared/slot-state.ts';
import type { EndpointSnapshot } from '../shared/messages.ts';
import type { ListenerStatus, PublishedServicePort } from '../proxy/data-plane-sync.ts';
import { canonicalIP, joinHostPort } from '../model/ip-address.ts';
import type { UdpKernelDrops } from './udp-kernel-drops.ts';

export interface MetricsSource {
  table: EndpointTable;
  sync: {
    servicePorts(): PublishedServicePort[];
    listeners(): ListenerStatus[];
  };
  /** Services as the registry holds them (for the status page's type and addresses). */
  services(): Service[];
  /** Worker count (rows 0..n-1 of the table). */
  workers(): number;
  /** Last probe message per endpoint `ip:port`, if the health loop probes it. */
  probeMessages?(): Map<string, string | undefined>;
  /** The kernel's drop counters for UDP sockets (udp-kernel-drops.ts), where they can be read. */
  udpKernelDrops?(): UdpKernelDrops | undefined;
  /** More Prometheus families appended to /metrics (the DNS responder's). */
  extraMetrics?(): string;
  /** The descriptor budget and how much of it is used. */
  descriptors?(): DescriptorFigures;
  /** Why this instance is not ready (what /readyz says); undefined when it is. */
  notReady?(): string | undefined;
  /** The shared store's state and the controllers' leader; undefined without a shared store. */
  store?(): StatusDocument['store'];
}

export interface DescriptorFigures {
  /** Open now / soft RLIMIT_NOFILE; undefined when unknown. */
  open?: number;
  limit?: number;
  /** Listeners allowed in all, and needed by the stored Services; 0 = unlimited. */
  maxListeners: number;
  listenersNeeded: number;
  /** Proxied connections admission allows now (the explicit cap or the shared room); 0 = unlimited. */
  maxConnections: number;
  /** Live UDP flows admission allows now; 0 = unlimited. Absent: not budgeted by this source. */
  maxUdpFlows?: number;
}

export interface UdpListenerStats { id: string; service: string; kernelDrops: number }

export interface MetricsSnapshot {
  /** ms since the epoch when the snapshot was read (rates are computed between two snapshots). */
  time: number;
  servicePorts: ServicePortStats[];
  workers: WorkerStats[];
  listeners: ListenerStatus[];
  descriptors?: DescriptorFigures;
  process: { cpuSeconds: number; residentBytes: number; startTimeSeconds: number };
  /** Bound UDP listeners with the kernel's drops on their sockets, and the namespace's receive-buffer
   *  errors; absent where /proc cannot be read. */
  udp?: { listeners: UdpListenerStats[]; rcvbufErrors: number };
}

const FLAG_NAMES: [number, string][] = [
  [READY, 'ready'], [SERVING, 'serving'], [TERMINATING, 'terminating'], [EJECTED, 'ejected'], [ADMIN_DOWN, 'admin-down'], [DRAINING, 'draining'],
];

const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);

export function endpointAddress(e: EndpointSnapshot): string {
  return joinHostPort(e.host, e.port);
}

function endpointStats(table: EndpointTable, e: EndpointSnapshot, probes: Map<string, string | undefined> | undefined, udp: boolean): EndpointStats {
  const flags = table.flags(e.slot);
  const endpoint = endpointAddress(e);
  // data-plane-sync names Pod-backed endpoints `ns/pod` and manual ones by their address.
  const pod = e.name.includes('/') ? e.name : '';
  return {
    endpoint, pod, slot: e.slot,
    ready: (flags & (READY | EJECTED | ADMIN_DOWN)) === READY,
    conditions: FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name),
    connectionsTotal: table.totalConnections(e.slot),
    activeConnections: table.activeOrdered(e.slot),
    connectErrors: table.totalConnectFailures(e.slot),
    bytesReceived: table.slotBytesIn(e.slot),
    bytesSent: table.slotBytesOut(e.slot),
    healthTransitions: table.healthTransitions(e.slot),
    ...(probes?.get(endpoint) !== undefined ? { probeMessage: probes.get(endpoint) } : {}),
    ...(udp ? { udp: { datagramsReceived: table.slotDatagramsIn(e.slot), datagramsSent: table.slotDatagramsOut(e.slot), icmpRefused: table.slotIcmpRefused(e.slot) } } : {}),
  };
}

function udpPortStats(table: EndpointTable, index: number): UdpPortStats {
  return {
    datagramsReceived: table.portDatagramsIn(index),
    datagramsSent: table.portDatagramsOut(index),
    flowsEnded: {
      idle: table.flowsEnded(index, 'idle'), endpoint: table.flowsEnded(index, 'endpoint'),
      refused: table.flowsEnded(index, 'refused'), closed: table.flowsEnded(index, 'closed'),
    },
    drops: {
      no_endpoints: table.udpDrops(index, 'noEndpoints'), max_flows: table.udpDrops(index, 'maxFlows'),
      source_range: table.udpDrops(index, 'sourceRange'), upstream_error: table.udpDrops(index, 'upstreamError'),
      draining: table.udpDrops(index, 'draining'), local_error: table.udpDrops(index, 'localError'),
    },
  };
}

/** The kernel's drops per bound UDP listener (every worker's socket on its address summed). */
function udpListeners(src: MetricsSource, all: ListenerStatus[]): MetricsSnapshot['udp'] {
  const k = src.udpKernelDrops?.();
  if (!k) return undefined;
  const listeners: UdpListenerStats[] = [];
  for (const l of all) {
    const m = /^\[?(.*?)\]?:(\d+)\/UDP$/.exec(l.id);
    if (!m || !l.bound) continue;
    const at = joinHostPort(canonicalIP(m[1]) ?? m[1], m[2]);
    listeners.push({ id: l.id, service: l.service, kernelDrops: k.byAddress.get(at) ?? 0 });
  }
  return { listeners, rcvbufErrors: k.rcvbufErrors };
}

export function readMetrics(src: MetricsSource): MetricsSnapshot {
  const { table } = src;
  const probes = src.probeMessages?.();
  const servicePorts = src.sync.servicePorts().map((p): ServicePortStats => ({
    index: p.index, service: p.service, port: p.port, protocol: p.protocol,
    connectionsTotal: table.portTotalConnections(p.index),
    activeConnections: table.portActive(p.index),
    bytesReceived: table.portBytesIn(p.index),
    bytesSent: table.portBytesOut(p.index),
    connectErrors: table.portConnectErrors(p.index),
    retries: table.portRetries(p.index),
    refusals: {
      no_endpoints: table.refusals(p.index, 'noEndpoints'),
      max_connections: table.refusals(p.index, 'maxConnections'),
      source_range: table.refusals(p.index, 'sourceRange'),
      local_error: table.refusals(p.index, 'localError'),
    },
    connectSeconds: table.histogram(p.index, 'connect'),
    durationSeconds: table.histogram(p.index, 'duration'),
    endpoints: p.endpoints.map((e) => endpointStats(table, e, probes, p.protocol === 'UDP')),
    ...(p.protocol === 'UDP' ? { udp: udpPortStats(table, p.index) } : {}),
  }));
  const workers: WorkerStats[] = [];
  const n = Math.min(src.workers(), table.maxWorkers);
  for (let w = 0; w < n; w++) workers.push({ worker: w, ...table.worker(w) });
  const cpu = process.cpuUsage();
  const listeners = src.sync.listeners();
  const udp = udpListeners(src, listeners);
  return {
    time: Date.now(), servicePorts, workers, listeners, descriptors: src.descriptors?.(),
    process: { cpuSeconds: (cpu.user + cpu.system) / 1e6, residentBytes: residentBytes(), startTimeSeconds },
    ...(udp ? { udp } : {}),
  };
}

/** The RSS reads /proc/self/stat, which needs a descriptor: out of them, /metrics must still answer
 *  (NaN, not a 500), since that is when it matters. */
function residentBytes(): number {
  try { return process.memoryUsage.rss(); } catch { return NaN; }
}

/** What /status.json serves: every Service with its listeners and its ports' live figures, the
 *  workers, and the process's CPU seconds and memory (CPU use is the difference of two samples). */
export function readStatus(src: MetricsSource): StatusDocument & Required<Pick<StatusDocument, 'process'>> {
  const m = readMetrics(src);
  const listeners = m.listeners;
  const drops = new Map((m.udp?.listeners ?? []).map((l) => [l.id, l.kernelDrops]));
  const services = src.services().map((s): ServiceStatus => {
    const name = `${s.metadata.namespace}/${s.metadata.name}`;
    return {
      name, type: s.spec.type ?? 'ClusterIP', clusterIP: s.spec.clusterIP ?? '',
      listeners: listeners.filter((l) => l.service === name).map(({ id, role, bound, error }) => ({
        id, role, bound, ...(error ? { error } : {}), ...(drops.has(id) ? { kernelDrops: drops.get(id) } : {}),
      })),
      ports: m.servicePorts.filter((p) => p.service === name),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
  const doc: StatusDocument & Required<Pick<StatusDocument, 'process'>> = {
    time: m.time, services, workers: m.workers, process: { cpuSeconds: m.process.cpuSeconds, residentBytes: m.process.residentBytes },
  };
  if (src.notReady) {
    const why = src.notReady();
    doc.readiness = why === undefined ? { ready: true } : { ready: false, reason: why };
  }
  const store = src.store?.();
  if (store) doc.store = store;
  return doc;
}
