// The registry's steps that need no store: generated names, allocating again after a lost claim
// race, which Services a readiness change touches, event references, leadership and the inbox of
// a shared store's changes. Each with injected inputs and exact results.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_ALLOCATION_ATTEMPTS, RetryAllocation, retryLostAllocations } from '../../src/control/allocation-retry.ts';
import { createClusterIpAllocator } from '../../src/control/cluster-ip-allocator.ts';
import type { ReadinessSource } from '../../src/control/control-plane-api.ts';
import { createControllerLeadership, type LeadershipOptions } from '../../src/control/controller-leadership.ts';
import { eventReference } from '../../src/control/event-reference.ts';
import { generatedName } from '../../src/control/generated-name.ts';
import { openInputInbox } from '../../src/control/input-inbox.ts';
import { createNodePortAllocator } from '../../src/control/node-port-allocator.ts';
import { createObjectIndex } from '../../src/control/object-index.ts';
import { publishedReadinessTargets, servicesByNamespace } from '../../src/control/readiness-targets.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { ApiObject, EndpointSlice, Lease, Pod } from '../../src/model/types.ts';
import type { InputChange, StoreChange } from '../../src/store/store.ts';
import { pod, service } from './model-fixtures.ts';

/** A source returning `values` in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

test('generatedName: the prefix and five characters of the apiserver alphabet, as the source picks them', () => {
  assert.is(generatedName('web-', () => 0), 'web-bbbbb');
  assert.is(generatedName('web-', () => 0.999999), 'web-99999');
  // 27 letters: 0.5 → index 13 ('r'), 1/27 → index 1 ('c'), 26/27 → the last ('9').
  assert.is(generatedName('', sequence(0.5, 1 / 27, 26 / 27, 0, 0.5)), 'rc9br');
});

test('retryLostAllocations: lost claims are marked taken and the apply runs again', async () => {
  const ips = createClusterIpAllocator('10.0.0.0/29');
  const ports = createNodePortAllocator('30000-30009');
  let attempts = 0;
  const result = await retryLostAllocations(async () => {
    attempts += 1;
    if (attempts === 1) throw new RetryAllocation(['clusterip/10.0.0.1', 'nodeport/30000']);
    if (attempts === 2) throw new RetryAllocation(['nodeport/30001', 'something/else']);
    return 'applied';
  }, { ips, ports, location: 'etcd' });
  assert.is(result, 'applied');
  assert.is(attempts, 3);
  assert.ok(ips.has('10.0.0.1'));
  assert.ok(ports.has(30000) && ports.has(30001));
  assert.is(ports.free(), 8);
});

test('retryLostAllocations: gives up after MAX_ALLOCATION_ATTEMPTS with a 409; other errors pass at once', async () => {
  const ips = createClusterIpAllocator('10.0.0.0/24');
  const ports = createNodePortAllocator();
  let attempts = 0;
  const err = await retryLostAllocations(async () => {
    attempts += 1;
    throw new RetryAllocation([`clusterip/10.0.0.${attempts}`]);
  }, { ips, ports, location: 'etcd' }).catch((e: unknown) => e);
  assert.is(attempts, MAX_ALLOCATION_ATTEMPTS);
  assert.instance(err, ApiError);
  assert.is((err as ApiError).httpStatus, 409);
  assert.is((err as ApiError).code, 'SY_CONFLICT');
  assert.is(ips.free(), 254n - BigInt(MAX_ALLOCATION_ATTEMPTS));

  attempts = 0;
  const other = new Error('disk full');
  const passed = await retryLostAllocations(async () => { attempts += 1; throw other; }, { ips, ports, location: 'etcd' }).catch((e: unknown) => e);
  assert.is(passed, other);
  assert.is(attempts, 1);
});

const published = (key: string, object: ApiObject): StoreChange => ({ type: 'MODIFIED', revision: 1, key, object });
const slice = (ns: string, name: string, service?: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [],
  metadata: { name, namespace: ns, labels: service ? { 'kubernetes.io/service-name': service } : {} },
});

test('publishedReadinessTargets: slices name their Service, Pods the Services selecting the declared Pod', () => {
  const index = createObjectIndex();
  index.put(service('web', { selector: { app: 'web' } }, { namespace: 'a' }));
  index.put(service('all', { selector: { tier: 'x' } }, { namespace: 'a' }));
  index.put(service('other', { selector: { app: 'web' } }, { namespace: 'b' }));
  index.put(pod('web-1', { ns: 'a', labels: { app: 'web', tier: 'x' } }));
  // The published Pod's labels do not matter: the declared one's select.
  const publishedPod: Pod = { ...pod('web-1', { ns: 'a', labels: {} }), status: { conditions: [{ type: 'Ready', status: 'False' }] } };
  const changes = [
    published('Pod/a/web-1', publishedPod),
    published('EndpointSlice/b/db-abc', slice('b', 'db-abc', 'db')),
    published('EndpointSlice/a/web-xyz', slice('a', 'web-xyz', 'web')),
    published('EndpointSlice/a/loose', slice('a', 'loose')),
    published('Pod/a/unknown', pod('unknown', { ns: 'a' })),
    published('Service/a/web', service('web', {}, { namespace: 'a' })),
  ];
  const targets = publishedReadinessTargets(changes, index);
  assert.equal(targets.services.slice().sort(), ['a/all', 'a/web', 'b/db']);
  assert.is(targets.slices, true);
  const podOnly = publishedReadinessTargets([changes[0], changes[5]], index);
  assert.equal(podOnly.services.slice().sort(), ['a/all', 'a/web']);
  assert.is(podOnly.slices, false);
  assert.equal(publishedReadinessTargets([], index), { services: [], slices: false });
});

test('servicesByNamespace: names grouped under their namespace, each once', () => {
  const byNs = servicesByNamespace(['a/web', 'b/db', 'a/api', 'a/web']);
  assert.equal([...byNs.keys()], ['a', 'b']);
  assert.equal([...byNs.get('a')!], ['web', 'api']);
  assert.equal([...byNs.get('b')!], ['db']);
});

test('eventReference: completes a known kind from the published object; keeps what the reporter gave', () => {
  const svc = { ...service('web'), metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '42' } };
  const lookups: string[] = [];
  const lookup = (kind: string, ns: string, name: string) => {
    lookups.push(`${kind}/${ns}/${name}`);
    return kind === 'Service' && ns === 'default' && name === 'web' ? svc : undefined;
  };
  assert.equal(eventReference({ kind: 'Service', name: 'web' }, lookup),
    { kind: 'Service', name: 'web', uid: 'u-1', resourceVersion: '42', apiVersion: 'v1' });
  assert.equal(eventReference({ kind: 'Service', namespace: 'default', name: 'web', uid: 'mine' }, lookup),
    { kind: 'Service', namespace: 'default', name: 'web', uid: 'mine', resourceVersion: '42', apiVersion: 'v1' });
  assert.equal(eventReference({ kind: 'EndpointSlice', namespace: 'x', name: 'gone' }, lookup),
    { kind: 'EndpointSlice', namespace: 'x', name: 'gone', apiVersion: 'discovery.k8s.io/v1' });
  assert.equal(eventReference({ kind: 'Node', name: 'n1' }, lookup), { kind: 'Node', name: 'n1' });
  assert.equal(lookups, ['Service/default/web', 'Service/default/web', 'EndpointSlice/x/gone']);
});

/** A readiness source answering from a table (pod name → verdict), recording what it adopts. */
function verdicts(pods: Record<string, boolean>, endpoints: Record<string, boolean> = {}) {
  const adopted: unknown[] = [];
  let invalidated = 0;
  const source = {
    podReady: (p: Pod) => pods[p.metadata.name ?? ''],
    endpointReady: (ip: string, port: number) => endpoints[`${ip}:${port}`],
    adopt: (from: unknown) => { adopted.push(from); },
    pod: () => undefined,
    endpoint: () => undefined,
    invalidate: () => { invalidated += 1; },
  };
  return { source, adopted, invalidated: () => invalidated };
}

function leadership(o: Partial<LeadershipOptions> & { discovered?: string[] } = {}) {
  return createControllerLeadership({
    leading: false, elected: true,
    isDiscovered: (ns, name) => (o.discovered ?? []).includes(`${ns}/${name}`),
    publishedLease: () => undefined,
    ...o,
  });
}

test('leadership: a follower follows the published verdicts; the leader its own, adopted from them', () => {
  const local = verdicts({ p: true }, { '10.0.0.1:80': false });
  const leader = verdicts({ p: false }, { '10.0.0.1:80': true });
  const l = leadership({ readiness: local.source, published: leader.source });
  const p = pod('p', { ns: 'default' });
  assert.is(l.leading(), false);
  assert.is(l.fenced(), false);
  assert.is(l.podReady(p), false);
  assert.is(l.endpointReady('10.0.0.1', 80), true);
  assert.is(l.setLeading(true), true);
  assert.equal(local.adopted, [leader.source], 'the local health loop starts from the published verdicts');
  assert.is(leader.invalidated(), 1);
  assert.is(l.setLeading(true), false, 'no change');
  assert.is(l.leading(), true);
  assert.is(l.fenced(), true);
  assert.is(l.podReady(p), true);
  assert.is(l.endpointReady('10.0.0.1', 80), false);
  assert.is(l.podReady(pod('q', { ready: false })), false, 'no verdict: the Pod\'s own condition');
  // A health loop set while leading takes over too.
  const next = verdicts({});
  l.setReadiness(next.source);
  assert.equal(next.adopted, [leader.source]);
  assert.is(l.stepDown(), true);
  assert.is(l.leading(), false);
  assert.is(l.stepDown(), false, 'not leading any more');
  l.publishedSlicesChanged();
  assert.is(leader.invalidated(), 2);
});

test('leadership: a leader without its health loop goes by the published verdicts', () => {
  const leader = verdicts({ p: false }, { '10.0.0.1:80': false });
  const l = leadership({ leading: true, published: leader.source });
  assert.is(l.podReady(pod('p')), false);
  assert.is(l.endpointReady('10.0.0.1', 80), false);
  const local = verdicts({ p: true });
  l.setReadiness(local.source);
  assert.is(l.podReady(pod('p')), true);
  assert.is(l.endpointReady('10.0.0.1', 80), undefined);
  l.setReadiness(undefined);
  assert.is(l.podReady(pod('p')), false);
});

test('leadership: without election nothing is fenced and stepping down does nothing', () => {
  const l = leadership({ leading: true, elected: false });
  assert.is(l.fenced(), false);
  assert.is(l.stepDown(), false);
  assert.is(l.leading(), true);
  assert.is(l.podReady(pod('p', { ready: false })), false);
  assert.is(l.podReady(pod('p')), true);
  assert.is(l.endpointReady('10.0.0.1', 80), undefined);
});

test('leadership: a discovered Pod needs its own Ready condition and the local verdict, leader or not', () => {
  const local: ReadinessSource = { podReady: (p) => p.metadata.name !== 'probed-down' };
  const leader = verdicts({ 'ok': false, 'probed-down': true, 'down': true });
  const l = leadership({ readiness: local, published: leader.source, discovered: ['default/ok', 'default/down', 'default/probed-down'] });
  assert.is(l.podReady(pod('ok')), true, 'the leader\'s verdict is not asked');
  assert.is(l.podReady(pod('down', { ready: false })), false);
  assert.is(l.podReady(pod('probed-down')), false);
});

test('leadership: the Lease is published only as the one held, in kube-system', () => {
  const previous: Lease = {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'ctl', namespace: 'kube-system' },
    spec: { holderIdentity: 'other', leaseTransitions: 4 },
  };
  const l = leadership({ publishedLease: (ns, name) => (ns === 'kube-system' && name === 'ctl' ? previous : undefined) });
  assert.is(l.lease('kube-system', 'ctl'), undefined);
  l.setLease('ctl', { holder: 'me', ttlSeconds: 5, transitions: 0 });
  assert.is(l.lease('default', 'ctl'), undefined);
  assert.is(l.lease('kube-system', 'other'), undefined);
  assert.equal(l.lease('kube-system', 'ctl')?.spec, { holderIdentity: 'me', leaseDurationSeconds: 5, leaseTransitions: 5 });
  l.setLease('ctl', undefined);
  assert.is(l.lease('kube-system', 'ctl'), undefined);
});

test('input inbox: holds changes until delivery, in order; reserves Services at once', () => {
  let listener: ((changes: InputChange[]) => void) | undefined;
  let unsubscribed = 0;
  const shared = { onInputChange: (fn: (changes: InputChange[]) => void) => { listener = fn; return () => { unsubscribed += 1; }; } };
  const reserved: string[] = [];
  const inbox = openInputInbox(shared, (svc) => reserved.push(svc.metadata.name ?? ''));
  const web = service('web');
  listener!([{ key: 'Service/default/web', object: web }, { key: 'Pod/default/p', object: pod('p') }]);
  listener!([{ key: 'Service/default/gone' }]);
  assert.equal(reserved, ['web'], 'before any delivery');
  const delivered: string[][] = [];
  inbox.deliverTo((changes) => delivered.push(changes.map((c) => c.key)));
  assert.equal(delivered, [['Service/default/web', 'Pod/default/p'], ['Service/default/gone']]);
  listener!([{ key: 'Service/default/db', object: service('db') }]);
  assert.equal(delivered.length, 3);
  assert.equal(reserved, ['web', 'db']);
  inbox.close();
  assert.is(unsubscribed, 1);
});

test.run();
