// The data-plane sync's steps as data, without a pool: what a Service asks the data plane to
// carry, which table index each of its ports holds, the listeners' diff, and the serialized chain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredServicePorts } from '../../src/proxy/desired-service-ports.ts';
import { listenerChanges, type HeldListener } from '../../src/proxy/listener-changes.ts';
import { ServicePortIndexes } from '../../src/proxy/service-port-indexes.ts';
import { ServiceSyncQueue } from '../../src/proxy/service-sync-queue.ts';
import { ServiceListeners } from '../../src/proxy/service-listeners.ts';
import type { EndpointSlice, Pod, Service } from '../../src/model/types.ts';
import type { ListenerSpec } from '../../src/shared/messages.ts';
import { pod, service } from './model-fixtures.ts';

const slice = (ports: { name: string; port: number; protocol?: 'TCP' | 'UDP' }[], endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  ports, endpoints,
});

test('desired ports: SCTP left out, labels and protocols, weights and names from the Pods', () => {
  const svc: Service = service('web', { ports: [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'sig', port: 9, protocol: 'SCTP', targetPort: 9 },
    { port: 81, targetPort: 81 },
  ] });
  const a = pod('a', { ip: '10.0.0.1' });
  a.metadata.annotations = { 'switchyard.io/weight': '5' };
  const pods = new Map<string, Pod>([['default/a', a]]);
  const slices = [
    slice([{ name: 'http', port: 8080 }], [
      { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'a' } },
      { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true } },
    ]),
    slice([{ name: 'dns', port: 53, protocol: 'UDP' }], [{ addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', name: 'gone' } }]),
  ];
  const out = desiredServicePorts(svc, slices, (ns, name) => pods.get(`${ns}/${name}`));
  assert.equal(out.map((p) => [p.key, p.protocol, p.label]), [['http/TCP', 'TCP', 'http/TCP'], ['dns/UDP', 'UDP', 'dns/UDP'], ['/TCP', 'TCP', '81/TCP']]);
  assert.equal(out[0].endpoints, [
    { ip: '10.0.0.1', port: 8080, ready: true, serving: true, terminating: false, weight: 5, name: 'default/a' },
    { ip: '10.0.0.2', port: 8080, ready: false, serving: true, terminating: false, weight: 1, name: '10.0.0.2:8080' },
  ]);
  assert.equal(out[1].endpoints.map((e) => [e.name, e.weight]), [['10.0.0.1:53', 1]], 'a Pod that is gone: named by address');
  assert.equal(out[2].endpoints, []);
});

test('port indexes: stable per port key, per Service; retire frees what is not kept; generations count per index', () => {
  let next = 0;
  const indexes = new ServicePortIndexes(() => next++);
  const http = { name: 'http', protocol: 'TCP' as const };
  const dns = { name: 'dns', protocol: 'UDP' as const };
  assert.is(indexes.indexFor('default/web', http), 0);
  assert.is(indexes.indexFor('default/web', dns), 1);
  assert.is(indexes.indexFor('default/web', { name: 'http' }), 0, 'TCP is the default protocol');
  assert.is(indexes.indexFor('default/api', http), 2, 'another Service, another index');
  assert.equal([indexes.nextGeneration(0), indexes.nextGeneration(0), indexes.nextGeneration(1)], [1, 2, 1]);
  assert.equal(indexes.retire('default/web', new Set([0])), [1]);
  assert.equal(indexes.retire('default/web', new Set([0])), [], 'retired once');
  assert.is(indexes.indexFor('default/web', dns), 3, 'a port that comes back gets a fresh index');
  assert.equal(indexes.retire('default/web', new Set()), [0, 3]);
  assert.is(indexes.nextGeneration(0), 1, 'a retired index starts its generations again');
  assert.equal(indexes.retire('default/nothing', new Set()), []);
  assert.is(indexes.indexFor('default/web', http), 4);
});

const spec = (id: string, servicePortIndex = 0, sourceRanges: string[] = []): ListenerSpec =>
  ({ id, address: '127.0.0.1', port: 80, protocol: 'TCP', servicePortIndex, role: 'clusterIP', sourceRanges });

test('listener diff: unchanged kept, changed closed and opened again, gone closed, another Service\'s taken', () => {
  const held = new Map<string, HeldListener>([
    ['same', { spec: spec('same'), service: 'default/web' }],
    ['moved', { spec: spec('moved', 0), service: 'default/web' }],
    ['ranges', { spec: spec('ranges', 0, ['10.0.0.0/8']), service: 'default/web' }],
    ['gone', { spec: spec('gone'), service: 'default/web' }],
    ['theirs', { spec: spec('theirs'), service: 'default/other' }],
  ]);
  const wanted = [spec('new'), spec('same'), spec('moved', 1), spec('ranges', 0, ['10.0.0.0/16']), spec('theirs'), spec('new')];
  const c = listenerChanges('default/web', ['same', 'moved', 'ranges', 'gone'], held, wanted);
  assert.equal(c.close, ['moved', 'ranges', 'gone']);
  assert.equal(c.open.map((l) => `${l.id}:${l.servicePortIndex}:${l.sourceRanges}`), ['new:0:', 'moved:1:', 'ranges:0:10.0.0.0/16'], 'in wanted order, once each');
  assert.equal(c.taken.map((t) => `${t.spec.id} by ${t.by}`), ['theirs by default/other']);
});

test('listener diff: a deleted Service closes everything it holds; nothing held opens everything', () => {
  const held = new Map<string, HeldListener>([['a', { spec: spec('a'), service: 'default/web' }], ['b', { spec: spec('b'), service: 'default/web' }]]);
  assert.equal(listenerChanges('default/web', ['a', 'b'], held, []), { close: ['a', 'b'], open: [], taken: [] });
  assert.equal(listenerChanges('default/api', [], new Map(), [spec('x'), spec('y')]).open.map((l) => l.id), ['x', 'y']);
});

test('listeners of two Services reconciled at once: an overlapping bind in flight counts as ours', async () => {
  const asked: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const events: string[] = [];
  const listeners = new ServiceListeners({
    pool: { async listen(spec) { asked.push(spec.id); await gate; return { address: spec.address, port: spec.port }; }, async unlisten() {}, async sharedListeners() { return []; } },
    event: (_svc, type, reason, message) => events.push(`${type} ${reason} ${message}`),
    service: (key) => service(key.split('/')[1], { ports: [] }), clock: () => 0, random: () => 0.5, maxListeners: 0,
  });
  const spec = (id: string, address: string): ListenerSpec => ({ id, address, port: 30080, protocol: 'TCP', servicePortIndex: 0, role: 'nodePort', sourceRanges: [] });
  const first = listeners.reconcile('default/a', service('a', { ports: [] }), [spec('wild', '0.0.0.0')]);
  const second = listeners.reconcile('default/b', service('b', { ports: [] }), [spec('one', '127.0.0.9')]);
  release();
  await Promise.all([first, second]);
  assert.equal(asked, ['wild'], 'the pool was asked for the first only');
  assert.equal(listeners.status().map((l) => [l.id, l.bound]), [['wild', true], ['one', false]]);
  assert.match(events.join('\n'), /FailedToBindPort cannot listen on one \(nodePort\): it overlaps wild of Service default\/a/);
});

test('sync queue: one Service at a time, each once while it waits, errors logged, periodic work in line', async () => {
  const log: string[] = [];
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const queue = new ServiceSyncQueue(async (key) => {
    order.push(`start ${key}`);
    if (key === 'a') await gate;
    if (key === 'bad') throw new Error('boom');
    order.push(`end ${key}`);
  }, (m) => log.push(m));
  queue.schedule(['a', 'b']);
  await new Promise((r) => setImmediate(r));
  queue.schedule(['b', 'bad', 'b']);
  queue.run('retry', async () => { order.push('retry'); });
  queue.run('check', async () => { throw new Error('census gone'); });
  queue.schedule(['c']);
  assert.equal(order, ['start a'], 'nothing runs beside a sync');
  release();
  await queue.settled();
  // Services named while the chain is busy join the walk under way, ahead of periodic work.
  assert.equal(order, ['start a', 'end a', 'start b', 'end b', 'start bad', 'start c', 'end c', 'retry']);
  assert.is(log.length, 2);
  assert.match(log[0], /^sync of service bad failed: Error: boom/);
  assert.is(log[1], 'check failed: census gone');
});

test('sync queue: several at once, in the order named, never one beside itself, periodic work alone', async () => {
  const order: string[] = [];
  const gates = new Map<string, () => void>();
  const queue = new ServiceSyncQueue(async (key) => {
    order.push(`start ${key}`);
    await new Promise<void>((r) => gates.set(key, r));
    order.push(`end ${key}`);
  }, () => {}, 2);
  const tick = () => new Promise((r) => setImmediate(r));
  queue.schedule(['a', 'b', 'c']);
  queue.run('retry', async () => { order.push('retry'); });
  await tick();
  assert.equal(order, ['start a', 'start b'], 'two at once, in the order named');
  queue.schedule(['a']);
  gates.get('b')!();
  await tick();
  assert.equal(order.slice(2), ['end b', 'start c'], 'a, named again while it runs, waits for itself');
  gates.get('a')!();
  await tick();
  assert.equal(order.slice(4), ['end a', 'start a']);
  gates.get('c')!();
  await tick();
  gates.get('a')!();
  await queue.settled();
  assert.equal(order.slice(6), ['end c', 'end a', 'retry'], 'periodic work after every sync named before it');
});

test('sync queue: once closed, nothing queued starts; close waits for the running step', async () => {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const queue = new ServiceSyncQueue(async (key) => { order.push(key); if (key === 'a') await gate; }, () => {});
  queue.schedule(['a', 'b']);
  queue.run('retry', async () => { order.push('retry'); });
  await new Promise((r) => setImmediate(r));
  let closed = false;
  const closing = queue.close().then(() => { closed = true; });
  assert.ok(queue.closed);
  await new Promise((r) => setImmediate(r));
  assert.is(closed, false);
  release();
  await closing;
  assert.equal(order, ['a']);
});

test.run();
