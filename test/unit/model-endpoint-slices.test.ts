import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import type { Pod } from '../../src/model/types.ts';
import { pod, service } from './model-fixtures.ts';

const NAME = /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const ready = podConditionReady;

test('one endpoint per selected pod, with conditions, targetRef, nodeName and the reserved labels', () => {
  const svc = service('web', {}, { labels: { team: 'a', 'kubernetes.io/service-name': 'spoof' } });
  const pods = [
    pod('b', { ip: '10.0.0.2', nodeName: 'n1' }),
    pod('a', { ip: '10.0.0.10' }),
    pod('other', { ip: '10.0.0.3', labels: { app: 'api' } }),
    pod('elsewhere', { ip: '10.0.0.4', ns: 'prod' }),
  ];
  const slices = computeEndpointSlices(svc, pods, ready, '2026-01-02T03:04:05Z');
  assert.is(slices.length, 1);
  const s = slices[0];
  assert.match(s.metadata.name!, NAME);
  assert.is(s.metadata.generateName, 'web-');
  assert.is(s.metadata.namespace, 'default');
  assert.is(s.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  assert.equal(s.metadata.labels, {
    team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  });
  assert.is(s.addressType, 'IPv4');
  assert.equal(s.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  assert.equal(s.endpoints, [
    { addresses: ['10.0.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
    { addresses: ['10.0.0.10'], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
  ]);
});

test('names are stable across recomputation and independent of pod order', () => {
  const svc = service('web');
  const pods = [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2' })];
  const one = computeEndpointSlices(svc, pods, ready);
  const two = computeEndpointSlices(svc, [...pods].reverse(), ready);
  assert.equal(one, two);
  const fewer = computeEndpointSlices(svc, [pods[0]], ready);
  assert.is(fewer[0].metadata.name, one[0].metadata.name);
});

test('a named targetPort resolving to different numbers gives two slices', () => {
  const svc = service('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'http' }] });
  const pods = [
    pod('old', { ip: '10.0.0.1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] }),
    pod('new', { ip: '10.0.0.2', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9090 }] }] }),
    pod('new2', { ip: '10.0.0.3', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9090 }] }] }),
  ];
  const slices = computeEndpointSlices(svc, pods, ready);
  assert.is(slices.length, 2);
  assert.is.not(slices[0].metadata.name, slices[1].metadata.name);
  const byPort = new Map(slices.map((s) => [s.ports![0].port, s.endpoints!.map((e) => e.targetRef!.name)]));
  assert.equal(byPort.get(8080), ['old']);
  assert.equal(byPort.get(9090), ['new', 'new2']);
  assert.equal(slices[0].ports![0], { name: 'http', port: slices[0].ports![0].port, protocol: 'TCP', appProtocol: 'http' });
});

test('a pod that resolves only some ports lands in a slice with just those ports', () => {
  const svc = service('web', {
    ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9100, targetPort: 'metrics' }],
  });
  const full = pod('full', { ip: '10.0.0.1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] }] });
  const partial = pod('partial', { ip: '10.0.0.2', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] });
  const none = pod('none', { ip: '10.0.0.3', containers: [{ name: 'c' }] });
  const slices = computeEndpointSlices(svc, [full, partial, none], ready);
  const summary = slices.map((s) => [s.ports!.map((p) => p.name).join(','), s.endpoints!.map((e) => e.targetRef!.name).join(',')]).sort();
  assert.equal(summary, [['', 'none'], ['http,metrics', 'full'], ['http', 'partial']]);
});

test('not-ready, terminating and publishNotReadyAddresses conditions', () => {
  const pods = [
    pod('up', { ip: '10.0.0.1', ready: true }),
    pod('down', { ip: '10.0.0.2', ready: false }),
    pod('leaving', { ip: '10.0.0.3', ready: true, deleting: true }),
    pod('leaving-down', { ip: '10.0.0.4', ready: false, deleting: true }),
  ];
  const conds = (pnra: boolean) => computeEndpointSlices(service('web', { publishNotReadyAddresses: pnra }), pods, ready)[0]
    .endpoints!.map((e) => [e.targetRef!.name, e.conditions]);
  assert.equal(conds(false), [
    ['up', { ready: true, serving: true, terminating: false }],
    ['down', { ready: false, serving: false, terminating: false }],
    ['leaving', { ready: false, serving: true, terminating: true }],
    ['leaving-down', { ready: false, serving: false, terminating: true }],
  ]);
  assert.equal(conds(true).map(([n, c]) => [n, (c as { ready: boolean }).ready]), [['up', true], ['down', true], ['leaving', true], ['leaving-down', true]]);
});

test('readiness comes from the injected function, not the pod object', () => {
  const pods = [pod('a', { ip: '10.0.0.1', ready: true })];
  const s = computeEndpointSlices(service('web'), pods, () => false);
  assert.equal(s[0].endpoints![0].conditions, { ready: false, serving: false, terminating: false });
});

test('pods without an IP or in a terminal phase are left out; an empty service keeps a placeholder slice', () => {
  const pods = [pod('noip'), pod('failed', { ip: '10.0.0.1', phase: 'Failed' }), pod('done', { ip: '10.0.0.2', phase: 'Succeeded' })];
  const slices = computeEndpointSlices(service('web'), pods, ready);
  assert.is(slices.length, 1);
  assert.equal(slices[0].endpoints, []);
  assert.equal(slices[0].ports, []);
  assert.match(slices[0].metadata.name!, NAME);
});

test('more than 100 endpoints are split into slices of at most 100', () => {
  const pods: Pod[] = [];
  for (let i = 0; i < 250; i++) pods.push(pod(`p${i}`, { ip: `10.1.${Math.floor(i / 200)}.${i % 200}` }));
  const slices = computeEndpointSlices(service('web'), pods, ready);
  assert.is(slices.length, 3);
  assert.equal(slices.map((s) => s.endpoints!.length).sort(), [100, 100, 50]);
  assert.is(new Set(slices.map((s) => s.metadata.name)).size, 3);
  const all = slices.flatMap((s) => s.endpoints!.map((e) => e.addresses[0]));
  assert.is(new Set(all).size, 250);
});

test('ExternalName and selector-less services get no slices', () => {
  assert.equal(computeEndpointSlices(service('web', { type: 'ExternalName', externalName: 'x.example', clusterIP: undefined }), [pod('a', { ip: '10.0.0.1' })], ready), []);
  assert.equal(computeEndpointSlices(service('web', { selector: undefined }), [pod('a', { ip: '10.0.0.1' })], ready), []);
  assert.equal(computeEndpointSlices(service('web', { selector: {} }), [pod('a', { ip: '10.0.0.1' })], ready), []);
});

test('headless services: headless label, hostname, both families without ipFamilies, portless slices', () => {
  const svc = service('web', { clusterIP: 'None', ports: [] });
  const pods = [pod('web-0', { ip: '10.0.0.1', hostname: 'web-0', subdomain: 'web' })];
  const slices = computeEndpointSlices(svc, pods, ready);
  assert.equal(slices.map((s) => [s.addressType, s.endpoints!.length]), [['IPv4', 1], ['IPv6', 0]]);
  assert.is(slices[0].metadata.labels!['service.kubernetes.io/headless'], '');
  assert.is(slices[0].endpoints![0].hostname, 'web-0');
  assert.equal(slices[0].ports, []);
  const v4only = computeEndpointSlices({ ...svc, spec: { ...svc.spec, ipFamilies: ['IPv4'] } }, pods, ready);
  assert.equal(v4only.map((s) => s.addressType), ['IPv4']);
});

test('dual-stack pods give one slice per family', () => {
  const svc = service('web', { ipFamilies: ['IPv4', 'IPv6'], clusterIPs: ['10.96.0.10', 'fd00::10'] });
  const slices = computeEndpointSlices(svc, [pod('a', { ip: '10.0.0.1', ips: ['10.0.0.1', 'fd00::1'] })], ready);
  assert.equal(slices.map((s) => [s.addressType, s.endpoints![0].addresses]), [['IPv4', ['10.0.0.1']], ['IPv6', ['fd00::1']]]);
  assert.is.not(slices[0].metadata.name, slices[1].metadata.name);
  const v6 = computeEndpointSlices(service('web', { clusterIP: 'fd00::10' }), [pod('a', { ip: '10.0.0.1', ips: ['10.0.0.1', 'fd00::1'] })], ready);
  assert.equal(v6.map((s) => [s.addressType, s.endpoints![0].addresses]), [['IPv6', ['fd00::1']]]);
});

test('long service names are cut so slice names stay within 63 characters', () => {
  const long = `s${'a'.repeat(62)}`;
  const [s] = computeEndpointSlices(service(long), [pod('a', { ip: '10.0.0.1' })], ready);
  assert.is(s.metadata.name!.length, 63);
  assert.ok(s.metadata.name!.startsWith(long.slice(0, 58)));
  assert.is(s.metadata.labels!['kubernetes.io/service-name'], long);
});

test.run();
