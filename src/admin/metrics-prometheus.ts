// Renders a MetricsSnapshot in the Prometheus text exposition format 0.0.4: one HELP and one TYPE
// line per family, label values escaped (\\, \", \n), histograms as cumulative `_bucket{le}` series
// plus `_sum` and `_count`. Pure; runs on the main thread per scrape. The metric names are a contract
// (dashboards, `switchyard bench` and tests read them).
import { CONNECT_SECONDS_BUCKETS, DURATION_SECONDS_BUCKETS } from '../shared/endpoint-table-layout.ts';
import type { HistogramCounts } from '../model/status-document.ts';
import type { MetricsSnapshot } from './metrics-snapshot.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = [string, string][];

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go's strconv.FormatFloat(v, 'g'): what Prometheus clients print; integers stay integers. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

class Writer {
  private readonly lines: string[] = [];
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, labels: Labels, value: number): void {
    this.lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  }
  histogram(name: string, labels: Labels, bounds: readonly number[], h: HistogramCounts): void {
    let cumulative = 0;
    for (let b = 0; b <= bounds.length; b++) {
      cumulative += h.counts[b] ?? 0;
      this.sample(`${name}_bucket`, [...labels, ['le', b < bounds.length ? formatValue(bounds[b]) : '+Inf']], cumulative);
    }
    this.sample(`${name}_sum`, labels, h.sumSeconds);
    this.sample(`${name}_count`, labels, cumulative);
  }
  text(): string { return this.lines.join('\n') + '\n'; }
}

export function renderPrometheus(m: MetricsSnapshot): string {
  const w = new Writer();
  // Connection figures are TCP ports'; UDP ports have their flow and datagram families below. Bytes
  // and endpoint figures cover both.
  const all = m.servicePorts;
  const ports = all.filter((p) => p.protocol !== 'UDP');
  const pl = (p: { service: string; port: string }): Labels => [['service', p.service], ['port', p.port]];

  const portFamily = (name: string, type: 'counter' | 'gauge', help: string, value: (p: (typeof ports)[number]) => number, which = ports) => {
    w.family(name, type, help);
    for (const p of which) w.sample(name, pl(p), value(p));
  };
  portFamily('switchyard_service_port_connections_total', 'counter', 'Client connections proxied to an endpoint (connect succeeded).', (p) => p.connectionsTotal);
  portFamily('switchyard_service_port_active_connections', 'gauge', 'Client connections admitted and not yet closed (connecting or proxying).', (p) => p.activeConnections);
  portFamily('switchyard_service_port_bytes_received_total', 'counter', 'Bytes received from clients (counted at close and every second while open; UDP: per flow likewise).', (p) => p.bytesReceived, all);
  portFamily('switchyard_service_port_bytes_sent_total', 'counter', 'Bytes sent to clients (counted at close and every second while open; UDP: per flow likewise).', (p) => p.bytesSent, all);
  portFamily('switchyard_service_port_connect_errors_total', 'counter', 'Failed connect attempts to endpoints (refused, reset, timed out).', (p) => p.connectErrors);
  portFamily('switchyard_service_port_retries_total', 'counter', 'Connect attempts on another endpoint after a failed one.', (p) => p.retries);

  w.family('switchyard_service_port_refusals_total', 'counter', 'Client connections refused or dropped before reaching an endpoint, by cause.');
  for (const p of ports) {
    for (const cause of ['no_endpoints', 'max_connections', 'source_range', 'local_error'] as const) {
      w.sample('switchyard_service_port_refusals_total', [...pl(p), ['cause', cause]], p.refusals[cause] ?? 0);
    }
  }
  w.family('switchyard_service_port_connect_duration_seconds', 'histogram', 'Time to connect to an endpoint (successful attempts).');
  for (const p of ports) w.histogram('switchyard_service_port_connect_duration_seconds', pl(p), CONNECT_SECONDS_BUCKETS, p.connectSeconds);
  w.family('switchyard_service_port_connection_duration_seconds', 'histogram', 'Lifetime of proxied connections, from accept to close.');
  for (const p of ports) w.histogram('switchyard_service_port_connection_duration_seconds', pl(p), DURATION_SECONDS_BUCKETS, p.durationSeconds);

  renderUdp(w, m, pl);

  // Endpoint counters live per backend (ip:port), shared by every Service port that targets it.
  const endpoints = all.flatMap((p) => p.endpoints.map((e) => ({ labels: [...pl(p), ['endpoint', e.endpoint], ['pod', e.pod]] as Labels, e })));
  const epFamily = (name: string, type: 'counter' | 'gauge', help: string, value: (e: (typeof endpoints)[number]['e']) => number) => {
    w.family(name, type, help);
    for (const x of endpoints) w.sample(name, x.labels, value(x.e));
  };
  const shared = ' Counted per backend address, across every Service port that targets it.';
  epFamily('switchyard_endpoint_connections_total', 'counter', 'Connections established to the endpoint.' + shared, (e) => e.connectionsTotal);
  epFamily('switchyard_endpoint_active_connections', 'gauge', 'Open connections to the endpoint.' + shared, (e) => e.activeConnections);
  epFamily('switchyard_endpoint_connect_errors_total', 'counter', 'Failed connect attempts to the endpoint.' + shared, (e) => e.connectErrors);
  epFamily('switchyard_endpoint_bytes_received_total', 'counter', 'Bytes received from clients of connections to the endpoint.' + shared, (e) => e.bytesReceived);
  epFamily('switchyard_endpoint_bytes_sent_total', 'counter', 'Bytes sent to clients of connections to the endpoint.' + shared, (e) => e.bytesSent);
  epFamily('switchyard_endpoint_ready', 'gauge', '1 when the endpoint is ready and neither ejected nor administratively down.', (e) => (e.ready ? 1 : 0));
  epFamily('switchyard_endpoint_health_transitions_total', 'counter', 'Changes between usable and not usable (readiness, ejection, admin state).', (e) => e.healthTransitions);

  const wl = (x: { worker: number }): Labels => [['worker', String(x.worker)]];
  w.family('switchyard_worker_connections_total', 'counter', 'Connections proxied by the data-plane worker.');
  for (const x of m.workers) w.sample('switchyard_worker_connections_total', wl(x), x.connectionsTotal);
  w.family('switchyard_worker_active_connections', 'gauge', 'Open proxied connections on the data-plane worker.');
  for (const x of m.workers) w.sample('switchyard_worker_active_connections', wl(x), x.activeConnections);
  w.family('switchyard_worker_event_loop_delay_seconds', 'gauge', "Event-loop delay of the worker over its last second (perf_hooks), by quantile.");
  for (const x of m.workers) {
    w.sample('switchyard_worker_event_loop_delay_seconds', [...wl(x), ['quantile', '0.5']], x.loopDelayP50);
    w.sample('switchyard_worker_event_loop_delay_seconds', [...wl(x), ['quantile', '0.99']], x.loopDelayP99);
  }
  w.family('switchyard_worker_udp_flows_total', 'counter', 'UDP flows created on the data-plane worker.');
  for (const x of m.workers) w.sample('switchyard_worker_udp_flows_total', wl(x), x.flowsTotal ?? 0);
  w.family('switchyard_worker_udp_active_flows', 'gauge', 'Live UDP flows on the data-plane worker.');
  for (const x of m.workers) w.sample('switchyard_worker_udp_active_flows', wl(x), x.activeFlows ?? 0);
  w.family('switchyard_worker_restarts_total', 'counter', 'Times the worker thread crashed and was replaced.');
  for (const x of m.workers) w.sample('switchyard_worker_restarts_total', wl(x), x.restarts);

  const ll = (l: MetricsSnapshot['listeners'][number]): Labels => [['listener', l.id], ['service', l.service], ['role', l.role]];
  w.family('switchyard_listener_up', 'gauge', '1 when the listener is bound and accepting, 0 while its bind fails (retried with back-off).');
  for (const l of m.listeners) w.sample('switchyard_listener_up', ll(l), l.bound ? 1 : 0);
  w.family('switchyard_listener_bind_failures', 'gauge', 'Failed binds of the listener in a row, by the reason of the last (FailedToBindPort: another process holds the address); 0 once bound.');
  for (const l of m.listeners) if (l.failures > 0) w.sample('switchyard_listener_bind_failures', [...ll(l), ['reason', l.reason ?? '']], l.failures);
  w.family('switchyard_listener_shared', 'gauge', '1 while another process also listens on the listener\'s address (SO_REUSEPORT) and takes a share of its connections.');
  for (const l of m.listeners) w.sample('switchyard_listener_shared', ll(l), l.shared ? 1 : 0);

  const d = m.descriptors;
  if (d) {
    w.family('switchyard_listener_budget', 'gauge', 'Listeners the Services may have in all (--max-listeners, by default half of the open-file limit less the process\'s reserve); 0 = unlimited.');
    w.sample('switchyard_listener_budget', [], d.maxListeners);
    w.family('switchyard_listeners_needed', 'gauge', 'Listeners the stored Services need (one per port and address).');
    w.sample('switchyard_listeners_needed', [], d.listenersNeeded);
    w.family('switchyard_connection_budget', 'gauge', 'Proxied connections that may be open at once now: what the open-file limit leaves beside the reserve, the listeners the Services need and the live UDP flows (two descriptors each), or --max-connections if lower; 0 = unlimited.');
    w.sample('switchyard_connection_budget', [], d.maxConnections);
    if (d.maxUdpFlows !== undefined) {
      w.family('switchyard_udp_flow_budget', 'gauge', 'Live UDP flows that may be open at once now, one socket each: what the open-file limit leaves beside the reserve, the listeners and the proxied connections, or --max-udp-flows (default 16384) if lower; 0 = unlimited.');
      w.sample('switchyard_udp_flow_budget', [], d.maxUdpFlows);
    }
    if (d.open !== undefined) {
      w.family('process_open_fds', 'gauge', 'Number of open file descriptors.');
      w.sample('process_open_fds', [], d.open);
    }
    if (d.limit !== undefined) {
      w.family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.');
      w.sample('process_max_fds', [], d.limit);
    }
  }

  w.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds (all threads).');
  w.sample('process_cpu_seconds_total', [], m.process.cpuSeconds);
  w.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
  w.sample('process_resident_memory_bytes', [], m.process.residentBytes);
  w.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.');
  w.sample('process_start_time_seconds', [], m.process.startTimeSeconds);
  return w.text();
}

/** The UDP families: per UDP Service port, per endpoint of one, per listener (the kernel's drops). */
function renderUdp(w: Writer, m: MetricsSnapshot, pl: (p: { service: string; port: string }) => Labels): void {
  const ports = m.servicePorts.filter((p) => p.protocol === 'UDP' && p.udp);
  const family = (name: string, type: 'counter' | 'gauge', help: string, value: (p: (typeof ports)[number]) => number) => {
    w.family(name, type, help);
    for (const p of ports) w.sample(name, pl(p), value(p));
  };
  family('switchyard_udp_flows_total', 'counter', 'UDP flows created (a client address:port given an endpoint).', (p) => p.connectionsTotal);
  family('switchyard_udp_active_flows', 'gauge', 'Live UDP flows.', (p) => p.activeConnections);
  family('switchyard_udp_datagrams_received_total', 'counter', 'Datagrams from clients forwarded to endpoints (counted per flow at its end and every second).', (p) => p.udp!.datagramsReceived);
  family('switchyard_udp_datagrams_sent_total', 'counter', 'Datagrams from endpoints sent back to clients (counted per flow at its end and every second).', (p) => p.udp!.datagramsSent);
  w.family('switchyard_udp_flows_ended_total', 'counter', 'UDP flows ended, by reason: idle timeout, endpoint no longer usable, ICMP port unreachable, closed (listener, Service port or worker).');
  for (const p of ports) for (const [reason, n] of Object.entries(p.udp!.flowsEnded)) w.sample('switchyard_udp_flows_ended_total', [...pl(p), ['reason', reason]], n);
  w.family('switchyard_udp_dropped_datagrams_total', 'counter', 'Client datagrams dropped before reaching an endpoint, by cause.');
  for (const p of ports) for (const [cause, n] of Object.entries(p.udp!.drops)) w.sample('switchyard_udp_dropped_datagrams_total', [...pl(p), ['cause', cause]], n);
  w.family('switchyard_udp_flow_duration_seconds', 'histogram', 'Lifetime of UDP flows, from the first datagram to the end.');
  for (const p of ports) w.histogram('switchyard_udp_flow_duration_seconds', pl(p), DURATION_SECONDS_BUCKETS, p.durationSeconds);

  const endpoints = ports.flatMap((p) => p.endpoints.filter((e) => e.udp).map((e) => ({ labels: [...pl(p), ['endpoint', e.endpoint], ['pod', e.pod]] as Labels, u: e.udp! })));
  const shared = ' Counted per backend address, across every Service port that targets it.';
  w.family('switchyard_udp_endpoint_datagrams_received_total', 'counter', 'Datagrams forwarded to the endpoint.' + shared);
  for (const x of endpoints) w.sample('switchyard_udp_endpoint_datagrams_received_total', x.labels, x.u.datagramsReceived);
  w.family('switchyard_udp_endpoint_datagrams_sent_total', 'counter', 'Datagrams from the endpoint sent back to clients.' + shared);
  for (const x of endpoints) w.sample('switchyard_udp_endpoint_datagrams_sent_total', x.labels, x.u.datagramsSent);
  w.family('switchyard_udp_endpoint_icmp_refused_total', 'counter', 'ICMP port unreachable from the endpoint on a flow (each counts as a failure for passive ejection).' + shared);
  for (const x of endpoints) w.sample('switchyard_udp_endpoint_icmp_refused_total', x.labels, x.u.icmpRefused);

  if (!m.udp) return;
  w.family('switchyard_udp_listener_kernel_drops_total', 'counter', "Datagrams the kernel dropped on the listener's sockets because their receive buffer was full (/proc/net/udp); raise --udp-recv-buffer and net.core.rmem_max.");
  for (const l of m.udp.listeners) w.sample('switchyard_udp_listener_kernel_drops_total', [['service', l.service], ['listener', l.id]], l.kernelDrops);
  w.family('switchyard_udp_receive_buffer_errors_total', 'counter', "UDP datagrams dropped for a full receive buffer on any socket of this network namespace (RcvbufErrors of /proc/net/snmp and snmp6), switchyard's or not.");
  w.sample('switchyard_udp_receive_buffer_errors_total', [], m.udp.rcvbufErrors);
}
