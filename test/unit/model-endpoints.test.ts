import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeEndpoints } from '../../src/model/compute-endpoints.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import { repackSubsets } from '../../src/model/repack-subsets.ts';
import type { Pod } from '../../src/model/types.ts';
import { pod, service } from './model-fixtures.ts';

const ready = podConditionReady;
const twoPorts = [{ name: 'http', port: 80, protocol: 'TCP' as const, targetPort: 'http' }, { name: 'admin', port: 81, protocol: 'TCP' as const, targetPort: 9000 }];

test('ready and not-ready pods share one subset when their ports match', () => {
  const svc = service('web', { ports: twoPorts }, { labels: { team: 'a' } });
  const pods = [pod('b', { ip: '10.0.0.2', nodeName: 'n1' }), pod('a', { ip: '10.0.0.10' }), pod('c', { ip: '10.0.0.3', ready: false })];
  const ep = computeEndpoints(svc, pods, ready)!;
  assert.equal(ep.metadata, { name: 'web', namespace: 'default', labels: { team: 'a' } });
  assert.equal(ep.subsets, [{
    // Upstream orders addresses by IP text, so 10.0.0.10 precedes 10.0.0.2.
    addresses: [
      { ip: '10.0.0.10', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
      { ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
    ],
    notReadyAddresses: [{ ip: '10.0.0.3', targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9000, protocol: 'TCP' }],
  }]);
});

test('named targetPort resolving differently, or not at all, splits subsets', () => {
  const svc = service('web', { ports: twoPorts });
  const pods = [
    pod('a', { ip: '10.0.0.1' }),
    pod('b', { ip: '10.0.0.2', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 7070 }] }] }),
    pod('c', { ip: '10.0.0.3', containers: [{ name: 'c' }] }),
  ];
  const ep = computeEndpoints(svc, pods, ready)!;
  const summary = ep.subsets!.map((s) => [s.addresses!.map((a) => a.ip), s.ports!.map((p) => `${p.name}:${p.port}`)]);
  assert.equal(summary, [
    [['10.0.0.1'], ['http:8080']],
    [['10.0.0.1', '10.0.0.2', '10.0.0.3'], ['admin:9000']],
    [['10.0.0.2'], ['http:7070']],
  ]);
});

test('terminating pods are dropped unless publishNotReadyAddresses, which also marks all ready', () => {
  const pods = [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', deleting: true }), pod('c', { ip: '10.0.0.3', ready: false })];
  const plain = computeEndpoints(service('web'), pods, ready)!;
  assert.equal(plain.subsets!.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip)]), [[['10.0.0.1'], ['10.0.0.3']]]);
  const pnra = computeEndpoints(service('web', { publishNotReadyAddresses: true }), pods, ready)!;
  assert.equal(pnra.subsets!.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses]), [[['10.0.0.1', '10.0.0.2', '10.0.0.3'], undefined]]);
});

test('pods without IP or in phase Failed are left out; unnamed port has no name', () => {
  const ep = computeEndpoints(service('web'), [pod('noip'), pod('f', { ip: '10.0.0.9', phase: 'Failed' }), pod('ok', { ip: '10.0.0.1' })], ready)!;
  assert.equal(ep.subsets!.map((s) => [s.addresses!.length, s.ports]), [[1, [{ port: 8080, protocol: 'TCP' }]]]);
  assert.equal(computeEndpoints(service('web'), [], ready)!.subsets, []);
});

test('headless service without ports: bare addresses, headless label, hostname', () => {
  const svc = service('web', { clusterIP: 'None', ports: [] });
  const ep = computeEndpoints(svc, [pod('web-0', { ip: '10.0.0.1', hostname: 'web-0', subdomain: 'web' })], ready)!;
  assert.equal(ep.metadata.labels, { 'service.kubernetes.io/headless': '' });
  assert.equal(ep.subsets, [{ addresses: [{ ip: '10.0.0.1', hostname: 'web-0', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'uid-web-0' } }] }]);
});

test('address family follows the service', () => {
  const pods = [pod('a', { ip: '10.0.0.1', ips: ['10.0.0.1', 'fd00::1'] }), pod('b', { ip: '10.0.0.2' })];
  const ep = computeEndpoints(service('web', { clusterIP: 'fd00::10' }), pods, ready)!;
  assert.equal(ep.subsets!.map((s) => s.addresses!.map((a) => a.ip)), [['fd00::1']]);
});

test('ExternalName and selector-less services get no Endpoints', () => {
  assert.is(computeEndpoints(service('web', { type: 'ExternalName', externalName: 'x.example' }), [], ready), undefined);
  assert.is(computeEndpoints(service('web', { selector: undefined }), [], ready), undefined);
});

test('more than 1000 ready addresses are truncated and annotated', () => {
  const pods: Pod[] = [];
  for (let i = 0; i < 1200; i++) pods.push(pod(`p${i}`, { ip: `10.2.${i >> 8}.${i & 255}`, ready: i % 2 === 0 }));
  const ep = computeEndpoints(service('web'), pods, () => true)!;
  assert.is(ep.subsets!.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0), 1000);
  assert.equal(ep.metadata.annotations, { 'endpoints.kubernetes.io/over-capacity': 'truncated' });
  assert.is(computeEndpoints(service('web'), pods.slice(0, 1000), () => true)!.metadata.annotations, undefined);
});

test('truncation keeps ready addresses and shares the rest in proportion', () => {
  const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const, targetPort: 'http' }];
  const withPort = (n: number) => [{ name: 'c', ports: [{ name: 'http', containerPort: n }] }];
  const pods: Pod[] = [];
  // Subset A (port 8080): 500 ready + 300 not ready; subset B (port 9090): 300 ready + 100 not ready.
  for (let i = 0; i < 800; i++) pods.push(pod(`a${i}`, { ip: `10.3.${i >> 8}.${i & 255}`, ready: i < 500, containers: withPort(8080) }));
  for (let i = 0; i < 400; i++) pods.push(pod(`b${i}`, { ip: `10.4.${i >> 8}.${i & 255}`, ready: i < 300, containers: withPort(9090) }));
  const ep = computeEndpoints(service('web', { ports }), pods, ready)!;
  const byPort = new Map(ep.subsets!.map((s) => [s.ports![0].port, [s.addresses!.length, s.notReadyAddresses?.length ?? 0]]));
  // 800 ready stay; 200 not-ready places shared 300:100 → ceil(150), then the rest (50).
  assert.equal(byPort.get(8080), [500, 150]);
  assert.equal(byPort.get(9090), [300, 50]);
});

test('repackSubsets merges ports of identical address sets and keeps ready over not-ready', () => {
  const a = { ip: '10.0.0.1', targetRef: { uid: 'a' } };
  const out = repackSubsets([
    { addresses: [a], ports: [{ name: 'x', port: 1, protocol: 'TCP' }] },
    { addresses: [a], ports: [{ name: 'y', port: 2, protocol: 'TCP' }] },
    { notReadyAddresses: [a], ports: [{ name: 'y', port: 2, protocol: 'TCP' }] },
    { notReadyAddresses: [{ ip: '10.0.0.1', targetRef: { uid: 'b' } }], ports: [{ name: 'x', port: 1, protocol: 'TCP' }] },
  ]);
  assert.equal(out, [
    { addresses: [a], notReadyAddresses: [{ ip: '10.0.0.1', targetRef: { uid: 'b' } }], ports: [{ name: 'x', port: 1, protocol: 'TCP' }] },
    { addresses: [a], ports: [{ name: 'y', port: 2, protocol: 'TCP' }] },
  ]);
});

test.run();
