// The status sampler over a real shared endpoint table, driven by an injected clock: rates from
// counter increases, gauges, latency percentiles from histogram deltas, per-endpoint series, marks for
// state changes with their reasons and for worker restarts, the window's bounds, and the history view
// and query /status.json serves. Also the browser's history store, which merges those answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { CONNECT_SECONDS_BUCKETS } from '../../src/shared/endpoint-table-layout.ts';
import { EJECTED, READY, SERVING, TERMINATING } from '../../src/shared/slot-state.ts';
import { startStatusSampler, type SamplerSource } from '../../src/admin/status-sampler.ts';
import { historyView } from '../../src/admin/status-history-view.ts';
import { parseHistoryQuery } from '../../src/admin/status-history-query.ts';
import { histogramQuantile } from '../../src/admin/histogram-quantile.ts';
import { mergeHistory, newHistoryStore, storeValues } from '../../src/web/client/history-store.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { EndpointSnapshot } from '../../src/shared/messages.ts';

function rig(opts: { windowSeconds?: number; maxEndpointHistories?: number } = {}) {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8, maxWorkers: 2 });
  for (const slot of [0, 1, 2]) table.updateFlags(slot, READY | SERVING, 0);
  let now = 1_000_000;
  let cpu = 10;
  const endpoints: EndpointSnapshot[] = [
    { slot: 0, host: '10.0.0.1', port: 80, name: 'default/a' }, { slot: 1, host: '10.0.0.2', port: 80, name: 'default/b' },
  ];
  const ports = [{ index: 1, service: 'default/web', port: 'http/TCP', endpoints }];
  const probes = new Map<string, string | undefined>();
  const src: SamplerSource = {
    table, sync: { servicePorts: () => ports, listeners: () => [] }, workers: () => 2, probeMessages: () => probes,
  };
  const sampler = startStatusSampler(src, {
    timer: false, clock: () => now, cpuSeconds: () => cpu, windowSeconds: opts.windowSeconds ?? 300, maxEndpointHistories: opts.maxEndpointHistories,
  });
  return {
    table, sampler, endpoints, ports, probes,
    tick(ms = 1000, cpuUsed = 0) { now += ms; cpu += cpuUsed; sampler.sample(); },
    /** A connection through the port to a slot, as the workers count it. */
    connect(slot: number, connectSeconds: number) {
      table.countPortConnection(1);
      table.slotOpened(slot);
      table.observe(1, 'connect', connectSeconds);
      table.workerOpened(0);
    },
  };
}

test('histogramQuantile interpolates inside the bucket, as histogram_quantile() does', () => {
  const b = [0.001, 0.01, 0.1];
  assert.ok(Number.isNaN(histogramQuantile(0.5, b, [0, 0, 0, 0], [0, 0, 0, 0])), 'nothing observed');
  // 10 observations in (0.001, 0.01]: the median is halfway through that bucket.
  assert.ok(Math.abs(histogramQuantile(0.5, b, [0, 10, 0, 0], [0, 0, 0, 0]) - 0.0055) < 1e-12);
  // Only the increase counts: 4 old ones in the first bucket are left out.
  assert.ok(Math.abs(histogramQuantile(0.5, b, [4, 10, 0, 0], [4, 0, 0, 0]) - 0.0055) < 1e-12);
  assert.is(histogramQuantile(0.99, b, [0, 0, 0, 5], [0, 0, 0, 0]), 0.1, '+Inf answers the largest finite bound');
  // A counter that went down restarted from zero (a new occupant of the port's region).
  assert.ok(Math.abs(histogramQuantile(0.5, b, [2, 0, 0, 0], [9, 0, 0, 0]) - 0.0005) < 1e-12);
});

test('rates, gauges, latency percentiles and endpoint series, one value per second', () => {
  const r = rig();
  r.tick();
  for (let i = 0; i < 6; i++) r.connect(i % 2, 0.002);
  r.table.addBytes(1, 0, 3000, 9000);
  r.table.addPortActive(1, 2);
  r.tick(2000, 0.5); // two seconds: rates are per second
  r.tick();
  const h = historyView(r.sampler, { since: 0 });
  assert.equal(h.times, [1_001_000, 1_003_000, 1_004_000]);
  const s = h.ports[0].series;
  assert.equal(s.connections, [0, 3, 0], 'a port\'s first sample has its rate (its counters started at zero); then 6 over 2 s');
  assert.equal(s.bytesIn, [0, 1500, 0]);
  assert.equal(s.bytesOut, [0, 4500, 0]);
  assert.equal(s.active, [0, 2, 2], 'a gauge from the first sample');
  const p50 = s.connectP50[1]!;
  assert.ok(p50 > 0.001 && p50 <= 0.0025, `p50 ${p50} inside the (1 ms, 2.5 ms] bucket`);
  assert.equal([s.connectP50[0], s.connectP50[2]], [null, null], 'no connections, no percentile');
  assert.equal(Object.keys(s).sort(), ['active', 'bytesIn', 'bytesOut', 'connectErrors', 'connectP50', 'connectP99', 'connections', 'refusals', 'retries']);
  const a = h.ports[0].endpoints.find((e) => e.endpoint === '10.0.0.1:80')!;
  assert.equal(a.series.connections, [null, 1.5, 0], 'an endpoint\'s slot may have counted for other ports before: no rate at first');
  assert.equal(a.series.bytesOut, [null, 4500, 0]);
  assert.equal(h.workers[0].series.connections, [null, 3, 0]);
  assert.equal(h.process.cpuCores, [0, 0.25, 0], 'CPU from the sampler\'s start');
  assert.equal(CONNECT_SECONDS_BUCKETS.length + 1, r.table.histogram(1, 'connect').counts.length);
});

test('connections in a port\'s first second (the server\'s first second) are charted', () => {
  const r = rig();
  for (let i = 0; i < 4; i++) r.connect(0, 0.002);
  r.tick();
  const s = historyView(r.sampler, { since: 0 }).ports[0].series;
  assert.equal(s.connections, [4]);
  const p50 = s.connectP50[0]!;
  assert.ok(p50 > 0.001 && p50 <= 0.0025, `p50 ${p50}`);
});

test('a UDP port has its own series: flows, live flows, datagrams each way, drops', () => {
  const r = rig();
  r.ports.push({ index: 2, service: 'default/dns', port: 'dns/UDP', endpoints: [{ slot: 2, host: '10.0.0.9', port: 53, name: 'default/dns-0' }] });
  r.tick();
  for (let i = 0; i < 4; i++) { r.table.countPortConnection(2); r.table.slotOpened(2); }
  r.table.addPortActive(2, 3);
  r.table.addDatagrams(2, 2, 40, 38);
  r.table.countUdpDrops(2, 'noEndpoints', 2);
  r.table.countUdpDrops(2, 'maxFlows', 4);
  r.tick(2000);
  const dns = historyView(r.sampler, { since: 0 }).ports.find((p) => p.port === 'dns/UDP')!;
  assert.equal(Object.keys(dns.series).sort(), ['activeFlows', 'bytesIn', 'bytesOut', 'datagramsIn', 'datagramsOut', 'drops', 'flows']);
  assert.equal([dns.series.flows[1], dns.series.activeFlows[1], dns.series.datagramsIn[1], dns.series.datagramsOut[1], dns.series.drops[1]], [2, 3, 20, 19, 3]);
  assert.equal(dns.endpoints[0].series.connections, [null, 2], 'an endpoint\'s new flows per second');
});

test('state changes become marks with their reasons; flapping between samples too', () => {
  const r = rig();
  r.tick();
  r.probes.set('10.0.0.2', 'Readiness probe failed: dial tcp 10.0.0.2:80: connect: connection refused');
  r.table.updateFlags(1, 0, READY);
  r.tick();
  r.table.updateFlags(0, EJECTED, 0);
  r.table.connectFailed(0);
  r.tick();
  r.table.updateFlags(1, TERMINATING, 0);
  r.tick();
  r.table.updateFlags(0, 0, EJECTED); // back, out and back again within one sample
  r.table.updateFlags(0, EJECTED, 0);
  r.table.updateFlags(0, 0, EJECTED);
  r.tick();
  r.endpoints.splice(1, 1, { slot: 2, host: '10.0.0.3', port: 80, name: 'default/c' });
  r.tick();
  const marks = historyView(r.sampler, { since: 0 }).marks.map((m) => `${m.endpoint} ${m.state}: ${m.reason}`);
  assert.equal(marks, [
    '10.0.0.2:80 not ready: Readiness probe failed: dial tcp 10.0.0.2:80: connect: connection refused',
    '10.0.0.1:80 ejected: consecutive connect failures (1 connect errors in all); the next passing probe ends it',
    '10.0.0.2:80 terminating: its Pod is being deleted; open connections drain',
    '10.0.0.1:80 ready: new connections go to it',
    '10.0.0.3:80 added: new in the Service\'s endpoints',
    '10.0.0.2:80 removed: gone from the Service\'s endpoints; open connections drain (up to --drain-timeout)',
  ]);
  r.table.updateFlags(0, EJECTED, 0);
  r.table.updateFlags(0, 0, EJECTED);
  r.tick();
  const last = historyView(r.sampler, { since: 0 }).marks.at(-1)!;
  assert.equal([last.state, last.reason], ['flapping', 'changed health 2 times within one sample; now ready']);
});

test('a worker restart is marked; marks and samples older than the window are dropped', () => {
  const r = rig({ windowSeconds: 5 });
  r.tick();
  r.table.workerRestarted(1);
  r.tick();
  let h = historyView(r.sampler, { since: 0 });
  assert.equal(h.marks.map((m) => [m.kind, m.worker, m.state]), [['worker', 1, 'restarted']]);
  for (let i = 0; i < 5; i++) r.tick();
  h = historyView(r.sampler, { since: 0 });
  assert.is(h.times.length, 5, 'five samples in a five-second window');
  assert.equal(h.marks, [], 'the restart left the window');
  assert.is(h.ports[0].series.connections.length, 5);
});

test('since= gives only newer samples; service= and series= select; removed ports are forgotten', () => {
  const r = rig();
  r.tick();
  r.tick();
  const all = historyView(r.sampler, { since: 0 });
  const newer = historyView(r.sampler, { since: all.times[0] });
  assert.equal(newer.times, [all.times[1]]);
  assert.is(newer.ports[0].series.connections.length, 1);
  assert.equal(historyView(r.sampler, { since: all.times[1] }).times, []);
  const some = historyView(r.sampler, { since: 0, series: new Set(['connections']) });
  assert.equal(Object.keys(some.ports[0].series), ['connections']);
  assert.equal(some.ports[0].endpoints, [], 'series= without endpoints=: no endpoint series');
  const eps = historyView(r.sampler, { since: 0, series: new Set(['connections']), endpointSeries: new Set(['bytesIn']) });
  assert.equal(Object.keys(eps.ports[0].endpoints[0].series), ['bytesIn']);
  const full = historyView(r.sampler, { since: 0, series: new Set(['connections']), full: new Set(['default/web']) });
  assert.is(Object.keys(full.ports[0].series).length, 9, 'full= gives a Service every series');
  assert.equal(Object.keys(full.ports[0].endpoints[0].series), ['connections', 'bytesIn', 'bytesOut']);
  assert.equal(historyView(r.sampler, { since: 0, services: new Set(['other/svc']) }).ports, []);
  r.ports.length = 0;
  r.tick();
  assert.equal(historyView(r.sampler, { since: 0 }).ports, []);
});

test('endpoint series stop at the budget; the endpoints are still listed', () => {
  const r = rig({ maxEndpointHistories: 1 });
  r.tick();
  const eps = historyView(r.sampler, { since: 0 }).ports[0].endpoints;
  assert.equal(eps.map((e) => Object.keys(e.series).length), [3, 0]);
});

test('parseHistoryQuery: since is required for history and checked', () => {
  assert.is(parseHistoryQuery(new URLSearchParams('')), undefined);
  const q = parseHistoryQuery(new URLSearchParams('since=5&service=default/web&service=a/b&series=connections,active&full=a/b&endpoints=bytesIn'))!;
  assert.equal([q.since, [...q.services!], [...q.series!], [...q.full!], [...q.endpointSeries!]],
    [5, ['default/web', 'a/b'], ['connections', 'active'], ['a/b'], ['bytesIn']]);
  assert.equal([...parseHistoryQuery(new URLSearchParams('since=0&series=x&endpoints='))!.endpointSeries!], [], 'endpoints= empty: none');
  for (const bad of ['since=-1', 'since=abc', 'since=1&service=web', 'service=default/web', 'full=a/b', 'since=0&full=nope']) {
    try {
      parseHistoryQuery(new URLSearchParams(bad));
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, ApiError);
      assert.is((e as ApiError).toStatus().errorCode, 'SY_BAD_STATUS_QUERY');
    }
  }
});

test('the browser store appends polls, fills a fetched Service in place and keeps the window', () => {
  const r = rig({ windowSeconds: 4 });
  r.tick();
  r.tick();
  const store = newHistoryStore();
  mergeHistory(store, historyView(r.sampler, { since: 0, series: new Set(['connections']), endpointSeries: new Set(['connections']) }));
  r.connect(0, 0.001);
  r.tick();
  mergeHistory(store, historyView(r.sampler, { since: store.times.at(-1)! }));
  assert.is(store.times.length, 3);
  assert.equal(storeValues(store, 'p|default/web|http/TCP|connections'), [0, 0, 1]);
  assert.equal(storeValues(store, 'p|default/web|http/TCP|active'), [null, null, 0], 'not sent at first: nulls before');
  // The whole history of the Service, fetched when it is expanded, fills in the older samples.
  mergeHistory(store, historyView(r.sampler, { since: 0, services: new Set(['default/web']) }));
  assert.equal(storeValues(store, 'p|default/web|http/TCP|active'), [0, 0, 0]);
  assert.equal(storeValues(store, 'e|default/web|http/TCP|10.0.0.1:80|connections'), [null, 0, 1]);
  for (let i = 0; i < 4; i++) { r.tick(); mergeHistory(store, historyView(r.sampler, { since: store.times.at(-1)! })); }
  assert.is(store.times.length, 4, 'trimmed to the window');
  assert.is(storeValues(store, 'p|default/web|http/TCP|connections').length, 4);
  assert.equal([...store.workers], [0, 1]);
});

test.run();
