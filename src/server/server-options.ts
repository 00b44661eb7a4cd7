// What `switchyard serve` can be told, and what it does when told nothing: the options of one
// running switchyard (startServer() in server.ts) and their defaults, from which `serve --help`
// is built. Pure data; main thread.
import { availableParallelism } from 'node:os';
import type { EtcdConnection } from '../store/etcd-connection.ts';
import { DEFAULT_UDP_SOCKETS, type UdpSocketMode } from '../data/worker-pool.ts';
import { DEFAULT_LB_POOL } from '../proxy/lb-address-pool.ts';
import { DEFAULT_SERVICE_CIDR } from '../control/cluster-ip-allocator.ts';
import { DEFAULT_NODE_PORT_RANGE } from '../control/node-port-allocator.ts';
import type { DockerAddressMode } from '../discovery/docker-container-pod.ts';
import type { DnsSettings } from '../dns/start-dns.ts';

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

