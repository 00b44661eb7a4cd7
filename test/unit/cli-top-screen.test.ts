// The terminal view of `switchyard top`, pure: sparklines, the busiest port and endpoint first,
// the width and height it is given.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sparkline } from '../../src/cli/sparkline.ts';
import { renderTopScreen } from '../../src/cli/top-screen.ts';
import { mergeHistory, newHistoryStore } from '../../src/web/client/history-store.ts';
import type { EndpointStats, ServicePortStats, StatusDocument } from '../../src/model/status-document.ts';

test('sparkline: scaled to the largest value, gaps as spaces, right-aligned', () => {
  assert.is(sparkline([0, 1, 2, 4, 8], 5), '▁▂▃▅█');
  assert.is(sparkline([null, 0, 0], 3), ' ▁▁');
  assert.is(sparkline([5, 5], 4), '  ██');
  assert.is(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3), '▇▇█', 'the last values');
});

const ep = (endpoint: string, ready = true): EndpointStats => ({
  endpoint, pod: '', slot: 0, ready, conditions: ready ? ['ready', 'serving'] : ['serving'], connectionsTotal: 0, activeConnections: 0,
  connectErrors: 0, bytesReceived: 0, bytesSent: 0, healthTransitions: 0,
});
const port = (service: string, endpoints: EndpointStats[]): ServicePortStats => ({
  index: 0, service, port: 'http/TCP', connectionsTotal: 0, activeConnections: 0, bytesReceived: 0, bytesSent: 0, connectErrors: 0, retries: 0,
  refusals: { no_endpoints: 0, max_connections: 0, source_range: 0 }, connectSeconds: { counts: [], sumSeconds: 0 }, durationSeconds: { counts: [], sumSeconds: 0 }, endpoints,
});

test('ports and endpoints sorted by traffic, fitted to the terminal', () => {
  const doc: StatusDocument = {
    time: 1000, workers: [{ worker: 0, connectionsTotal: 0, activeConnections: 0, restarts: 1, loopDelayP50: 0, loopDelayP99: 0.002, loopDelayMax: 0 }],
    services: ['default/a', 'default/b'].map((name) => ({ name, type: 'ClusterIP', clusterIP: '', listeners: [], ports: [port(name, [ep('1.1.1.1:80'), ep('2.2.2.2:80', false)])] })),
  };
  const store = newHistoryStore();
  const series = (c: number[]) => ({ connections: c, bytesIn: c.map((x) => x * 10), bytesOut: c.map((x) => x * 100) });
  mergeHistory(store, {
    intervalSeconds: 1, windowSeconds: 300, times: [1, 2, 3], process: {}, workers: [], marks: [],
    ports: [
      { service: 'default/a', port: 'http/TCP', series: series([0, 0, 1]), endpoints: [{ endpoint: '1.1.1.1:80', series: series([0, 0, 1]) }, { endpoint: '2.2.2.2:80', series: series([0, 0, 0]) }] },
      { service: 'default/b', port: 'http/TCP', series: series([4, 8, 8]), endpoints: [{ endpoint: '1.1.1.1:80', series: series([0, 0, 0]) }, { endpoint: '2.2.2.2:80', series: series([4, 8, 8]) }] },
    ],
  });
  const lines = renderTopScreen(doc, store, null, { columns: 120, rows: 12 });
  const names = lines.filter((l) => /^(default|  \d)/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
  assert.equal(names, ['default/b http/TCP', '2.2.2.2:80 not-ready', '1.1.1.1:80 ready', 'default/a http/TCP', '1.1.1.1:80 ready', '2.2.2.2:80 not-ready']);
  const b = lines.find((l) => l.startsWith('default/b'))!;
  assert.match(b, /1\/2 ready +6\.7 +0 +67B\/s +667B\/s +\s*▅██ +\s*▅██$/);
  assert.ok(lines.every((l) => l.length <= 120));
  assert.match(lines.at(-1)!, /^WORKERS  w0 0 active, loop p99 2\.0ms, 1 restarts$/);
  // Too short for everything: the rest is counted, not cut silently.
  const short = renderTopScreen(doc, store, null, { columns: 120, rows: 7 });
  assert.ok(short.length <= 7, short.join('\n'));
  assert.match(short.join('\n'), /… 4 more lines/);
});

test('a UDP port\'s rate is its new flows per second', () => {
  const udp: ServicePortStats = { ...port('default/dns', [ep('10.0.0.9:53')]), port: 'dns/UDP', protocol: 'UDP', activeConnections: 3 };
  const doc: StatusDocument = { time: 1000, workers: [], services: [{ name: 'default/dns', type: 'ClusterIP', clusterIP: '', listeners: [], ports: [udp] }] };
  const store = newHistoryStore();
  mergeHistory(store, {
    intervalSeconds: 1, windowSeconds: 300, times: [1, 2], process: {}, workers: [], marks: [],
    ports: [{ service: 'default/dns', port: 'dns/UDP', series: { flows: [2, 4], bytesIn: [0, 0], bytesOut: [0, 0] }, endpoints: [] }],
  });
  const row = renderTopScreen(doc, store, null, { columns: 120, rows: 10 }).find((l) => l.startsWith('default/dns'))!;
  assert.match(row, /1\/1 ready +3\.0 +3 /);
});

test('an instance not ready says why under the title; a shared store says who leads', () => {
  const doc: StatusDocument = {
    time: 1000, workers: [], services: [],
    readiness: { ready: false, reason: 'etcd 127.0.0.1:2379 unreachable for 3 s; serving the last known state of revision 9' },
    store: { message: 'etcd 127.0.0.1:2379 unreachable for 3 s; serving the last known state of revision 9', leader: 'host-1', leading: true },
  };
  const lines = renderTopScreen(doc, newHistoryStore(), null, { columns: 200, rows: 10 });
  assert.is(lines[1], 'NOT READY: etcd 127.0.0.1:2379 unreachable for 3 s; serving the last known state of revision 9');
  assert.match(lines[2], /^STORE etcd .*; controllers led by this instance \(host-1\)$/);
});

test.run();
