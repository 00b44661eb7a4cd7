import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { CONNECT_SECONDS_BUCKETS } from '../../src/shared/endpoint-table-layout.ts';
import { EJECTED, READY, SERVING } from '../../src/shared/slot-state.ts';
import { readMetrics, readStatus, type MetricsSource } from '../../src/admin/metrics-snapshot.ts';
import { escapeLabelValue, renderPrometheus } from '../../src/admin/metrics-prometheus.ts';
import { renderTopFrame } from '../../src/cli/top.ts';
import { pageMeta, statusBody } from '../../src/web/status-markup.ts';
import { describeService } from '../../src/cli/printers/describe-service.ts';
import { processCores } from '../../src/model/status-document.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import type { Service } from '../../src/model/types.ts';

function source(): { src: MetricsSource; table: ReturnType<typeof createEndpointTable> } {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8, maxWorkers: 2 });
  table.updateFlags(0, READY | SERVING, 0);
  table.updateFlags(1, READY | SERVING, 0);
  const src: MetricsSource = {
    table,
    sync: {
      servicePorts: () => [{
        index: 2, service: 'default/we"ird\\svc', port: 'http/TCP', protocol: 'TCP',
        endpoints: [{ slot: 0, host: '127.0.0.1', port: 8080, name: 'default/pod-a' }, { slot: 1, host: '::1', port: 9090, name: '[::1]:9090' }],
      }],
      listeners: () => [{ id: '127.96.0.1:80/TCP', service: 'default/we"ird\\svc', role: 'clusterIP', bound: true, failures: 0, shared: false },
        { id: '127.5.5.5:30001/TCP', service: 'default/we"ird\\svc', role: 'nodePort', bound: false, error: 'EADDRINUSE', reason: 'FailedToBindPort', failures: 3, shared: false }],
    },
    services: () => [{ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'we"ird\\svc' }, spec: { type: 'NodePort', clusterIP: '127.96.0.1' } } as Service],
    workers: () => 2,
  };
  return { src, table };
}

test('table counters: bytes, errors, retries, histograms, worker rows and health transitions', () => {
  const { table } = source();
  table.addBytes(2, 0, 100, 4000);
  table.addBytes(2, 0, 2 ** 33, 0); // past 32 bits: the counters are 64-bit
  table.countConnectError(2);
  table.countRetry(2);
  table.observe(2, 'connect', 0.0004);
  table.observe(2, 'connect', 0.003);
  table.observe(2, 'connect', 99);
  assert.equal([table.portBytesIn(2), table.portBytesOut(2), table.slotBytesIn(0), table.slotBytesOut(1)], [100 + 2 ** 33, 4000, 100 + 2 ** 33, 0]);
  assert.equal([table.portConnectErrors(2), table.portRetries(2)], [1, 1]);
  const h = table.histogram(2, 'connect');
  assert.is(h.counts.length, CONNECT_SECONDS_BUCKETS.length + 1);
  assert.equal([h.counts[0], h.counts[3], h.counts[CONNECT_SECONDS_BUCKETS.length]], [1, 1, 1]);
  assert.ok(Math.abs(h.sumSeconds - 99.0034) < 1e-6);
  table.workerOpened(1);
  table.workerOpened(1);
  table.workerClosed(1);
  table.setWorkerLoopDelay(1, 2e6, 9e6, 12e6);
  table.workerOpened(7); // beyond maxWorkers: ignored, not a crash
  table.workerFlowOpened(1);
  table.workerFlowOpened(1);
  table.workerFlowClosed(1);
  assert.equal(table.worker(1), {
    connectionsTotal: 2, activeConnections: 1, restarts: 0, flowsTotal: 2, activeFlows: 1, loopDelayP50: 0.002, loopDelayP99: 0.009, loopDelayMax: 0.012,
  });
  table.workerRestarted(1);
  assert.equal([table.worker(1).restarts, table.worker(1).activeConnections, table.worker(1).activeFlows], [1, 0, 0]);
  // The first flags write (the endpoint appearing) is no transition; ejection and return are two.
  assert.is(table.healthTransitions(0), 0);
  table.updateFlags(0, EJECTED, 0);
  table.updateFlags(0, SERVING, 0);
  table.updateFlags(0, 0, EJECTED);
  assert.is(table.healthTransitions(0), 2);
  table.resetSlotCounters(0);
  assert.equal([table.healthTransitions(0), table.slotBytesIn(0)], [0, 0]);
});

test('/metrics text parses strictly, escapes labels and matches the table', () => {
  const { src, table } = source();
  table.countPortConnection(2);
  table.slotOpened(0);
  table.addBytes(2, 0, 10, 20);
  table.countRefusal(2, 'sourceRange');
  table.observe(2, 'duration', 2);
  table.updateFlags(1, EJECTED, 0);
  const text = renderPrometheus(readMetrics(src));
  const f = parsePrometheusText(text);
  const svc = { service: 'default/we"ird\\svc', port: 'http/TCP' };
  assert.ok(text.includes('service="default/we\\"ird\\\\svc"'), 'escaped in the text');
  assert.is(sampleValue(f, 'switchyard_service_port_connections_total', svc), 1);
  assert.is(sampleValue(f, 'switchyard_service_port_bytes_received_total', svc), 10);
  assert.is(sampleValue(f, 'switchyard_service_port_bytes_sent_total', svc), 20);
  assert.is(sampleValue(f, 'switchyard_service_port_refusals_total', { ...svc, cause: 'source_range' }), 1);
  assert.is(sampleValue(f, 'switchyard_service_port_refusals_total', { ...svc, cause: 'no_endpoints' }), 0);
  assert.is(sampleValue(f, 'switchyard_service_port_connection_duration_seconds_bucket', { ...svc, le: '1' }), 0);
  assert.is(sampleValue(f, 'switchyard_service_port_connection_duration_seconds_bucket', { ...svc, le: '5' }), 1);
  assert.is(sampleValue(f, 'switchyard_service_port_connection_duration_seconds_count', svc), 1);
  assert.is(sampleValue(f, 'switchyard_endpoint_active_connections', { endpoint: '127.0.0.1:8080', pod: 'default/pod-a' }), 1);
  assert.is(sampleValue(f, 'switchyard_endpoint_ready', { endpoint: '127.0.0.1:8080' }), 1);
  assert.is(sampleValue(f, 'switchyard_endpoint_ready', { endpoint: '[::1]:9090', pod: '' }), 0);
  assert.is(sampleValue(f, 'switchyard_endpoint_health_transitions_total', { endpoint: '[::1]:9090' }), 1);
  assert.is(sampleValue(f, 'switchyard_worker_event_loop_delay_seconds', { worker: '1', quantile: '0.99' }), 0);
  assert.is(f.get('switchyard_service_port_connect_duration_seconds')!.type, 'histogram');
  assert.is(f.get('process_cpu_seconds_total')!.type, 'counter');
  assert.ok(sampleValue(f, 'process_resident_memory_bytes') > 0);
  assert.is(escapeLabelValue('a\nb'), 'a\\nb');
  assert.is(sampleValue(f, 'switchyard_listener_up', { listener: '127.96.0.1:80/TCP', role: 'clusterIP' }), 1);
  assert.is(sampleValue(f, 'switchyard_listener_up', { listener: '127.5.5.5:30001/TCP', role: 'nodePort' }), 0);
  assert.is(sampleValue(f, 'switchyard_listener_bind_failures', { listener: '127.5.5.5:30001/TCP', reason: 'FailedToBindPort' }), 3);
  assert.is(sampleValue(f, 'switchyard_listener_shared', { listener: '127.96.0.1:80/TCP' }), 0);
});

test('the strict parser rejects what Prometheus would', () => {
  assert.throws(() => parsePrometheusText('x 1\n# TYPE x counter\n'), /TYPE for x after its samples/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx 1\n# TYPE y gauge\ny 1\nx{a="b"} 2\n'), /samples of x are not contiguous/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx{a="\\q"} 1\n'), /unknown escape/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx 1\nx 2\n'), /duplicate/);
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 0\nh_count 1\n'), /cumulative/);
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 0\nh_count 1\n'), /no \+Inf bucket/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx 1'), /end with a newline/);
});

test('every family switchyard exposes has HELP and TYPE', () => {
  const f = parsePrometheusText(renderPrometheus(readMetrics(source().src)));
  for (const family of f.values()) {
    assert.is.not(family.type, 'untyped', family.name);
    assert.ok(family.help.length > 0, family.name);
  }
});

test('an instance not ready (its shared store away) says so, and why, in the document, the page and top', () => {
  const { src } = source();
  assert.is(readStatus(src).readiness, undefined, 'a source that does not know leaves it out');
  let why: string | undefined;
  src.notReady = () => why;
  src.store = () => ({ message: why ? 'etcd 127.0.0.1:2379 unreachable for 4 s; serving the last known state of revision 12' : 'etcd 127.0.0.1:2379 at revision 12', leader: 'host-7', leading: false });
  const ready = readStatus(src);
  assert.equal(ready.readiness, { ready: true });
  assert.not.match(renderTopFrame(ready, null), /NOT READY/);
  assert.match(renderTopFrame(ready, null), /\nSTORE etcd 127\.0\.0\.1:2379 at revision 12; controllers led by host-7\n/);
  assert.not.ok(pageMeta(ready, null).includes('not-ready'));
  why = 'etcd 127.0.0.1:2379 unreachable for 4 s; serving the last known state of revision 12';
  const away = readStatus(src);
  assert.equal(away.readiness, { ready: false, reason: why });
  assert.match(renderTopFrame(away, null), /^switchyard top — [^\n]*\nNOT READY: etcd 127\.0\.0\.1:2379 unreachable for 4 s; serving the last known state of revision 12\n/);
  assert.ok(pageMeta(away, null).includes('<strong class="bad" data-testid="not-ready">Not ready: etcd 127.0.0.1:2379 unreachable'));
  assert.ok(pageMeta({ ...away, store: { message: 'etcd x', leader: 'me', leading: true } }, null).includes('controllers led by this instance'));
});

test('status document, page body and top frame show listeners, endpoints, health and rates', () => {
  const { src, table } = source();
  const first = readStatus(src);
  table.addBytes(2, 0, 2048, 0);
  table.countRefusal(2, 'noEndpoints');
  table.countRefusal(2, 'localError');
  table.countRefusal(2, 'localError');
  // One second of CPU in two: half a core.
  const second = { ...readStatus(src), time: first.time + 2000, process: { cpuSeconds: first.process.cpuSeconds + 1, residentBytes: 96 * 1024 * 1024 } };
  assert.ok(first.process.cpuSeconds > 0 && first.process.residentBytes > 0, 'the process reports its CPU and memory');
  // (x + 1) - x is 1 only up to rounding, whatever x the process reported.
  assert.ok(Math.abs(processCores(second, first)! - 0.5) < 1e-9, String(processCores(second, first)));
  assert.is(processCores(second, null), null);
  assert.equal(second.services[0].listeners.map((l) => l.bound), [true, false]);
  const html = statusBody(second, first);
  assert.ok(html.includes('we&#34;ird\\svc'), 'names are HTML-escaped');
  assert.ok(html.includes('EADDRINUSE'));
  assert.ok(html.includes('1.0 KiB/s in'), 'bytes/s from two samples');
  assert.ok(html.includes('3 (no endpoints 1, local error 2) refused'), 'refusals by cause, this machine\'s local errors apart');
  assert.ok(pageMeta(second, first).includes('CPU <span data-testid="cpu">0.50 cores</span> · memory 96.0 MiB'), 'CPU and memory in the header line');
  assert.ok(pageMeta(second, null).includes('CPU <span data-testid="cpu">–</span>'), 'no CPU figure from one sample');
  const frame = renderTopFrame(second, first);
  assert.match(frame, /^switchyard top — .* — 1 Services, \d+ workers, CPU 0\.50 cores, memory 96\.0MiB\n/);
  assert.match(renderTopFrame(second, null), /, CPU -, memory 96\.0MiB\n/);
  assert.match(frame, /SERVICE default\/we"ird\\svc {2}NodePort {2}127\.96\.0\.1/);
  assert.match(frame, /NOT BOUND: EADDRINUSE/);
  assert.match(frame, /refused 3 \(no endpoints 1, local error 2\)/);
  assert.match(frame, /127\.0\.0\.1:8080 +default\/pod-a +ready +0 +0 +0 +2\.0KiB +0B +1\.0KiB\/s +0B\/s/);
  assert.match(renderTopFrame(second, null), /127\.0\.0\.1:8080 .* - +-\n/);
});

test('a UDP Service port: flow, datagram, drop and kernel families; status page, top and describe show its flows', () => {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8, maxWorkers: 1 });
  table.updateFlags(3, READY | SERVING, 0);
  const src: MetricsSource = {
    table,
    sync: {
      servicePorts: () => [{ index: 1, service: 'default/dns', port: 'dns/UDP', protocol: 'UDP', endpoints: [{ slot: 3, host: '127.0.0.7', port: 5353, name: 'default/dns-0' }] }],
      listeners: () => [{ id: '127.96.0.9:53/UDP', service: 'default/dns', role: 'clusterIP', bound: true, failures: 0, shared: false }],
    },
    services: () => [{ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'dns' }, spec: { type: 'ClusterIP', clusterIP: '127.96.0.9', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } } as Service],
    workers: () => 1,
    udpKernelDrops: () => ({ byAddress: new Map([['127.96.0.9:53', 7]]), rcvbufErrors: 9 }),
  };
  // Two flows created, one ended idle; 5 datagrams each way; drops; an ICMP refusal.
  table.countPortConnection(1); table.countPortConnection(1);
  table.slotOpened(3); table.slotOpened(3); table.slotClosed(3);
  table.addPortActive(1, 1);
  table.addDatagrams(1, 3, 5, 5);
  table.addBytes(1, 3, 150, 400);
  table.countFlowEnd(1, 'idle');
  table.countUdpDrops(1, 'noEndpoints', 2);
  table.countUdpDrops(1, 'maxFlows', 1);
  table.countUdpDrops(1, 'localError', 4);
  table.icmpRefused(3, true);
  table.workerFlowOpened(0);
  const m = readMetrics(src);
  const f = parsePrometheusText(renderPrometheus(m));
  const svc = { service: 'default/dns', port: 'dns/UDP' };
  assert.is(sampleValue(f, 'switchyard_udp_flows_total', svc), 2);
  assert.is(sampleValue(f, 'switchyard_udp_active_flows', svc), 1);
  assert.is(sampleValue(f, 'switchyard_udp_datagrams_received_total', svc), 5);
  assert.is(sampleValue(f, 'switchyard_udp_flows_ended_total', { ...svc, reason: 'idle' }), 1);
  assert.is(sampleValue(f, 'switchyard_udp_dropped_datagrams_total', { ...svc, cause: 'no_endpoints' }), 2);
  assert.is(sampleValue(f, 'switchyard_udp_dropped_datagrams_total', { ...svc, cause: 'max_flows' }), 1);
  assert.is(sampleValue(f, 'switchyard_udp_dropped_datagrams_total', { ...svc, cause: 'local_error' }), 4);
  assert.is(sampleValue(f, 'switchyard_udp_dropped_datagrams_total', { ...svc, cause: 'upstream_error' }), 0);
  assert.is(sampleValue(f, 'switchyard_service_port_bytes_sent_total', svc), 400);
  assert.is(sampleValue(f, 'switchyard_udp_endpoint_icmp_refused_total', { ...svc, endpoint: '127.0.0.7:5353' }), 1);
  assert.is(sampleValue(f, 'switchyard_udp_endpoint_datagrams_sent_total', { ...svc, endpoint: '127.0.0.7:5353' }), 5);
  assert.is(sampleValue(f, 'switchyard_udp_listener_kernel_drops_total', { listener: '127.96.0.9:53/UDP' }), 7);
  assert.is(sampleValue(f, 'switchyard_udp_receive_buffer_errors_total'), 9);
  assert.is(sampleValue(f, 'switchyard_worker_udp_active_flows', { worker: '0' }), 1);
  assert.not.ok([...f.get('switchyard_service_port_connections_total')!.samples].length, 'no TCP connection series for a UDP port');

  const doc = readStatus(src);
  assert.is(doc.services[0].listeners[0].kernelDrops, 7);
  const html = statusBody(doc, null);
  assert.ok(html.includes('<b>1</b> live flows · 2 total · 5 datagrams in · 5 out'), html);
  assert.ok(html.includes('7 dropped by the kernel'));
  assert.ok(html.includes('7 (no endpoints 2, max flows 1, local error 4) datagrams dropped'), 'drops by cause');
  assert.ok(html.includes('<td>1</td><td>5 / 5</td>'), 'the endpoint\'s ICMP refusals and datagrams');
  const frame = renderTopFrame(doc, null);
  assert.match(frame, /PORT dns\/UDP {2}flows 1 {2}total 2 {2}datagrams in 5 out 5 .* ended idle 1 endpoint 0 refused 0 closed 0 {2}dropped 7 \(no endpoints 2, max flows 1, local error 4\)/);
  assert.match(frame, /kernel drops 7/);
  assert.match(frame, /ENDPOINT +POD +HEALTH +FLOWS +TOTAL +REFUSED +DGRAMS-IN +DGRAMS-OUT/);
  assert.match(frame, /127\.0\.0\.7:5353 +default\/dns-0 +ready +1 +2 +1 +5 +5 /);
  const text = describeService(src.services()[0], [], [], Date.now(), doc.services[0]);
  assert.match(text, /Flows: +1 live, 2 created, 5 datagrams in, 5 out, 7 \(no endpoints 2, max flows 1, local error 4\) dropped\n/);
  assert.not.match(describeService(src.services()[0], [], [], Date.now()), /Flows:/, 'without live figures, kubectl\'s layout');
});

test.run();
