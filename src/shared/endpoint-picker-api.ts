// The contract between the connection handling in a data-plane worker (src/data/) and endpoint
// selection over the shared endpoint table (src/balancers/ + src/shared/endpoint-table.ts).
// Runs on worker threads (and on the main thread in tests). All accounting goes through Atomics on
// the shared table so that least-connections, max-connections and affinity are global across workers.
import type { ServicePortSnapshot } from './messages.ts';

export interface PickResult {
  slot: number;
  host: string;
  port: number;
  /** EndpointSnapshot.name, for logs. */
  name: string;
}

export interface EndpointPicker {
  /** Install or replace a Service port's immutable snapshot (from a `servicePort` message). */
  setServicePort(snapshot: ServicePortSnapshot): void;
  removeServicePort(index: number): void;
  servicePort(index: number): ServicePortSnapshot | undefined;
  /**
   * Choose an endpoint for a new connection from `clientIp`: only usable endpoints (ready; when none
   * is ready, serving-and-terminating; never ejected or admin-down), never one in `tried`.
   * Honours ClientIP affinity. null when nothing is left.
   */
  pick(servicePortIndex: number, clientIp: string, tried: readonly number[]): PickResult | null;
  /** true when the Service port has at least one usable endpoint (used to refuse at once). */
  hasUsable(servicePortIndex: number): boolean;
  /** A connection to `slot` is established / has closed (active-connection counts). */
  opened(servicePortIndex: number, slot: number): void;
  closed(servicePortIndex: number, slot: number): void;
  /** Passive health: a connect to `slot` failed (refused, reset, timed out) / succeeded. */
  connectFailed(slot: number): void;
  connectSucceeded(slot: number): void;
  /** UDP, per datagram of a live flow: would a new flow of the Service port still be given `slot`'s
   *  endpoint, by pick's rules (in the port's snapshot, ready — or serving-and-terminating when none
   *  is ready — never ejected, admin-down or draining)? O(1) unless the endpoint is not ready. */
  flowUsable(servicePortIndex: number, slot: number): boolean;
  /** UDP admission: a new flow unless `maxFlows` (global across workers, 0 = unlimited) are live;
   *  an admitted flow counts as live on its Service port until releaseFlow. */
  tryAdmitFlow(servicePortIndex: number, maxFlows: number): boolean;
  releaseFlow(servicePortIndex: number): void;
  /** UDP: the endpoint answered a flow with ICMP port unreachable; with `failure` it also counts as a
   *  failure for passive ejection, as a refused connect does. */
  icmpRefused(slot: number, failure: boolean): void;
  /** Admission for max-connections: global (0 = unlimited) and per Service port (options.maxConnections). */
  tryAdmit(servicePortIndex: number, globalMax: number): 'ok' | 'global' | 'service';
  release(servicePortIndex: number): void;
}
