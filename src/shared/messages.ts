// The messages between the main thread (control plane) and the data-plane worker threads.
// Only this file, endpoint-table-layout.ts and slot-state.ts (the shared table's layout and what a
// slot's state word holds) and worker-ledger.ts (a worker's ledger) define cross-thread contracts.
// Structural changes travel as messages (immutable snapshots); per-connection and health state
// travels through the shared endpoint table, never as messages.
import type { SyCode } from '../model/error-codes.ts';

/** Per-connection behaviour of one Service port, decided by the control plane. */
export interface ServicePortOptions {
  /** Balancing algorithm name from the balancer registry (`round-robin`, `least-connections`, …). */
  algorithm: string;
  /** ClientIP affinity timeout in seconds; 0 = no affinity. */
  affinitySeconds: number;
  proxyProtocol: 0 | 1 | 2;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Connect attempts per client connection, first included (retries on a different endpoint). */
  connectAttempts: number;
  /** Max concurrent connections for this Service port across all workers; 0 = unlimited. */
  maxConnections: number;
  /** The key of the ClientIP affinity entries (default: the Service port's index). The control plane
   *  gives a Service's TCP and UDP ports of one port number the same key, so a client keeps its
   *  endpoint across both. */
  affinityKey?: number;
  /** UDP: a flow without a datagram either way for this long ends (default 30 s). */
  udpIdleTimeoutMs?: number;
}

/** One endpoint of a Service port as the workers see it; its live state is in the table's slot. */
export interface EndpointSnapshot {
  slot: number;
  host: string;
  port: number;
  /** Display name for logs and metrics, e.g. `default/nginx-1` or `127.0.0.1:8080`. */
  name: string;
}

/** Immutable description of a Service port's endpoints. A new one replaces the old one whole. */
export interface ServicePortSnapshot {
  /** Index of the Service port's region in the shared table (cursor, counters). */
  index: number;
  /** `namespace/service:portName/PROTO`, for logs and metrics. */
  name: string;
  generation: number;
  options: ServicePortOptions;
  endpoints: EndpointSnapshot[];
}

/** A UDP flow without a datagram for this long ends, unless the Service says otherwise. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 30_000;

/** A listening address that feeds a Service port. */
export interface ListenerSpec {
  id: string;
  address: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  servicePortIndex: number;
  /** Which Service address this is; `loadBalancer` listeners honour sourceRanges. */
  role: 'clusterIP' | 'nodePort' | 'externalIP' | 'loadBalancer';
  /** CIDRs allowed to connect (loadBalancerSourceRanges); empty = everyone. */
  sourceRanges: string[];
}

export type MainToWorker =
  | { type: 'servicePort'; snapshot: ServicePortSnapshot }
  | { type: 'removeServicePort'; index: number }
  /** reuseport mode: bind this listener in the worker (SO_REUSEPORT). */
  | { type: 'listen'; listener: ListenerSpec }
  | { type: 'unlisten'; id: string }
  /** transfer mode: an accepted socket, handed over in the transfer list. */
  | { type: 'connection'; listenerId: string; servicePortIndex: number; socket: unknown }
  | { type: 'drain'; timeoutMs: number }
  | { type: 'config'; drainTimeoutMs: number; accessLog: boolean };

export type WorkerToMain =
  | { type: 'ready'; workerId: number }
  | { type: 'listening'; id: string; error?: { code: SyCode; systemCode?: string; message: string } }
  | { type: 'unlistened'; id: string }
  /** A batch of access-log lines (JSON text), sent at most every few ms so the worker never blocks on I/O. */
  | { type: 'accessLog'; lines: string[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'drained'; workerId: number };
