// The document /status.json serves: what the status page renders and `switchyard top` reads. It is
// the admin API's contract with its clients, so it lives below both (the server fills it in
// src/admin/metrics-snapshot.ts from the shared endpoint table). Pure types, plus processCores,
// which the status page embeds by its source text: it must stay self-contained.

export interface HistogramCounts { counts: number[]; sumSeconds: number }

/** One data-plane worker's row (event-loop delay in seconds, as last written by the worker). */
export interface WorkerRow {
  connectionsTotal: number;
  activeConnections: number;
  restarts: number;
  /** UDP flows created on this worker, and live now (absent from servers older than UDP). */
  flowsTotal?: number;
  activeFlows?: number;
  loopDelayP50: number;
  loopDelayP99: number;
  loopDelayMax: number;
}

export interface EndpointStats {
  endpoint: string;
  /** `namespace/name` of the Pod behind it, or '' for a manual endpoint. */
  pod: string;
  slot: number;
  ready: boolean;
  /** Flag names: ready, serving, terminating, ejected, admin-down, draining. */
  conditions: string[];
  connectionsTotal: number;
  activeConnections: number;
  connectErrors: number;
  bytesReceived: number;
  bytesSent: number;
  healthTransitions: number;
  probeMessage?: string;
  /** Datagrams of UDP flows to the endpoint, and its ICMP port-unreachable answers (UDP ports only). */
  udp?: { datagramsReceived: number; datagramsSent: number; icmpRefused: number };
}

/** What a UDP Service port adds: its flows are counted as connectionsTotal (created) and
 *  activeConnections (live). */
export interface UdpPortStats {
  datagramsReceived: number;
  datagramsSent: number;
  /** Flows ended: idle timeout, endpoint no longer usable, ICMP port unreachable, listener/port/worker closed. */
  flowsEnded: { idle: number; endpoint: number; refused: number; closed: number };
  /** Client datagrams dropped, by cause (local_error: this machine could not open the upstream
   *  socket or send; absent in documents from servers before it was counted). */
  drops: { no_endpoints: number; max_flows: number; source_range: number; upstream_error: number; draining: number; local_error?: number };
}

export interface ServicePortStats {
  index: number;
  service: string;
  port: string;
  /** Absent from servers older than UDP support: read as TCP. */
  protocol?: 'TCP' | 'UDP';
  /** TCP: connections proxied; UDP: flows created. */
  connectionsTotal: number;
  /** TCP: connections admitted and open; UDP: live flows. */
  activeConnections: number;
  bytesReceived: number;
  bytesSent: number;
  connectErrors: number;
  retries: number;
  /** local_error: absent in documents from servers before it was counted. */
  refusals: { no_endpoints: number; max_connections: number; source_range: number; local_error?: number };
  connectSeconds: HistogramCounts;
  durationSeconds: HistogramCounts;
  endpoints: EndpointStats[];
  udp?: UdpPortStats;
}

export interface WorkerStats extends WorkerRow { worker: number }

export interface ServiceStatus {
  name: string;
  type: string;
  clusterIP: string;
  /** kernelDrops: datagrams the kernel dropped on a UDP listener's sockets (receive buffer full;
   *  /proc/net/udp), when it can be read. */
  listeners: { id: string; role: string; bound: boolean; error?: string; kernelDrops?: number }[];
  ports: ServicePortStats[];
}

export interface StatusDocument {
  time: number; services: ServiceStatus[]; workers: WorkerStats[];
  /** switchyard's process, every thread (absent from servers older than this field). */
  process?: { cpuSeconds: number; residentBytes: number };
  /** What /readyz answers, and why not (the shared store unreachable, out of descriptors); absent
   *  from servers older than this field. */
  readiness?: { ready: boolean; reason?: string };
  /** With a store shared by several instances (etcd): where it stands, and which instance runs the
   *  controllers (the Lease's holder; `leading` when it is this one). */
  store?: { message: string; leader?: string; leading: boolean };
  /** Only when asked for (`?since=`), and from servers that keep history. */
  history?: StatusHistory;
}

/** switchyard's CPU use between two samples, in cores (1 = one core busy the whole time, every
 *  thread counted); null without two samples of a server that reports it. */
export function processCores(doc: StatusDocument, prev: StatusDocument | null): number | null {
  const dt = prev ? (doc.time - prev.time) / 1000 : 0;
  if (!doc.process || !prev || !prev.process || dt <= 0) return null;
  return Math.max(0, doc.process.cpuSeconds - prev.process.cpuSeconds) / dt;
}

/** One value per sample time of the history (`StatusHistory.times`); null where there is none
 *  (a port that did not exist yet, a latency percentile in a second without connections). */
export type HistoryValues = (number | null)[];

/**
 * A Service port's figures over time. `series` is keyed by what it measures, so a port kind that
 * measures other things (UDP: flows, datagrams, drops) adds keys without changing the shape:
 *   connections, refusals, retries, connectErrors — per second;
 *   bytesIn, bytesOut — bytes per second from and to the clients;
 *   active — open connections at the sample;
 *   connectP50, connectP99 — connect latency in seconds over the connections of that second.
 */
export interface PortHistory {
  service: string;
  port: string;
  series: Record<string, HistoryValues>;
  /** Per endpoint (the backend's figures, shared by every port that targets it):
   *  connections, bytesIn, bytesOut — per second. */
  endpoints: { endpoint: string; series: Record<string, HistoryValues> }[];
}

/** A data-plane worker over time: connections (new per second), active, loopDelayP50 and
 *  loopDelayP99 (seconds). */
export interface WorkerHistory { worker: number; series: Record<string, HistoryValues> }

/** Something that changed at a moment: an endpoint's health state, or a worker restart. */
export interface HistoryMark {
  /** ms since the epoch (the sample that first saw it). */
  time: number;
  kind: 'endpoint' | 'worker';
  service?: string;
  port?: string;
  endpoint?: string;
  worker?: number;
  /** The state entered: ready, not ready, ejected, terminating, admin-down, added, removed, flapping, restarted. */
  state: string;
  /** Why, in words (a probe's message, the ejection's cause, a removal's drain). */
  reason: string;
}

/** /status.json?since=T: the samples kept in memory (one per interval, for `windowSeconds`) that
 *  are newer than T. */
export interface StatusHistory {
  intervalSeconds: number;
  windowSeconds: number;
  /** Sample times, ms since the epoch, oldest first. */
  times: number[];
  /** switchyard's process: cpuCores (every thread; 1 = one core busy). */
  process: Record<string, HistoryValues>;
  ports: PortHistory[];
  workers: WorkerHistory[];
  /** Oldest first, within the same window. */
  marks: HistoryMark[];
}
