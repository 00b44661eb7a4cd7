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
  const ports = m.servicePorts;
  const pl = (p: { service: string; port: string }): Labels => [['service', p.service], ['port', p.port]];

  const portFamily = (name: string, type: 'counter' | 'gauge', help: string, value: (p: (typeof ports)[number]) => number) => {
    w.family(name, type, help);
    for (const p of ports) w.sample(name, pl(p), value(p));
  };
  portFamily('switchyard_service_port_connections_total', 'counter', 'Client connections proxied to an endpoint (connect succeeded).', (p) => p.connectionsTotal);
  portFamily('switchyard_service_port_active_connections', 'gauge', 'Client connections admitted and not yet closed (connecting or proxying).', (p) => p.activeConnections);
  portFamily('switchyard_service_port_bytes_received_total', 'counter', 'Bytes received from clients (counted at close and every second while open).', (p) => p.bytesReceived);
  portFamily('switchyard_service_port_bytes_sent_total', 'counter', 'Bytes sent to clients (counted at close and every second while open).', (p) => p.bytesSent);
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

  // Endpoint counters live per backend (ip:port), shared by every Service port that targets it.
  const endpoints = ports.flatMap((p) => p.endpoints.map((e) => ({ labels: [...pl(p), ['endpoint', e.endpoint], ['pod', e.pod]] as Labels, e })));
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
    w.family('switchyard_listener_budget', 'gauge', 'Listeners the Services may have in all (--max-listeners, by default a quarter of the open-file limit); 0 = unlimited.');
    w.sample('switchyard_listener_budget', [], d.maxListeners);
    w.family('switchyard_listeners_needed', 'gauge', 'Listeners the stored Services need (one per port and address).');
    w.sample('switchyard_listeners_needed', [], d.listenersNeeded);
    w.family('switchyard_connection_budget', 'gauge', 'Proxied connections admitted at once (--max-connections, by default what the open-file limit leaves); 0 = unlimited.');
    w.sample('switchyard_connection_budget', [], d.maxConnections);
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
