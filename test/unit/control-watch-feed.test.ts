// Every change a watch event, in order (API spec §6): user writes, the controllers' Endpoints and
// EndpointSlices, readiness from the health loop, load-balancer status, events, namespaces —
// numbered by the store and replayed from its history, 410 Expired past it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { Pod } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import type { StoreChange } from '../../src/store/store.ts';

const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] }, status: { podIP: '127.0.0.9' } };
/** Slice names are hashes: shown as `*`. */
const line = (c: StoreChange) => `${c.type} ${c.object.kind}/${c.object.kind === 'EndpointSlice' ? '*' : c.object.metadata.name}`;

async function watching(r: Registry, from?: number) {
  const seen: StoreChange[] = [];
  const initial: string[] = [];
  const handle = await r.watch(from === undefined ? { from: 'current' } : { from: 'revision', revision: from }, {
    initial: (objs) => initial.push(...objs.map((o) => `${o.kind}/${o.metadata.name}`)),
    changes: (c) => seen.push(...c),
  });
  return { seen, initial, handle };
}

test('a write and what the controllers derive from it arrive in order, each with a higher resourceVersion', async () => {
  const r = await createRegistry({ store: createMemoryStore() });
  const w = await watching(r);
  assert.equal(w.initial.sort(), ['Namespace/default', 'Namespace/kube-system']);
  await r.apply(svc);
  await r.apply(pod);
  await r.apply({ ...svc, metadata: { name: 'web', namespace: 'team' } });
  // A selector Service without Pods has an empty slice; the Pod's slice (another port set,
  // another name) replaces it.
  assert.equal(w.seen.map(line), [
    'ADDED Service/web', 'ADDED Endpoints/web', 'ADDED EndpointSlice/*',
    'ADDED Pod/web-1', 'MODIFIED Endpoints/web', 'ADDED EndpointSlice/*', 'DELETED EndpointSlice/*',
    'ADDED Namespace/team', 'ADDED Service/web', 'ADDED Endpoints/web', 'ADDED EndpointSlice/*',
  ]);
  const versions = w.seen.map((c) => Number(c.object.metadata.resourceVersion));
  assert.equal(versions, [...versions].sort((a, b) => a - b));
  assert.is(w.handle.revision(), r.published.revision());
  w.handle.stop();
  await r.close();
});

test('readiness, load-balancer status and events are published changes too; a delete takes the derived objects along', async () => {
  let ready = true;
  const r = await createRegistry({ store: createMemoryStore(), readiness: { podReady: () => ready } });
  await r.apply(svc);
  await r.apply(pod);
  const w = await watching(r, r.published.revision());
  ready = false;
  r.readinessChanged(['default/web']);
  r.setLoadBalancerIngress('default', 'web', [{ ip: '127.112.0.1' }]);
  r.recordEvent({ kind: 'Service', namespace: 'default', name: 'web' }, 'Normal', 'Bound', 'bound');
  r.recordEvent({ kind: 'Service', namespace: 'default', name: 'web' }, 'Normal', 'Bound', 'bound');
  await r.flushed();
  const pods = w.seen.filter((c) => c.object.kind === 'Pod');
  assert.equal(pods.map(line), ['MODIFIED Pod/web-1']);
  assert.equal((pods[0].object as Pod).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  assert.ok(w.seen.some((c) => c.object.kind === 'EndpointSlice' && c.type === 'MODIFIED'), 'the slice shows the endpoint not ready');
  const service = w.seen.find((c) => c.object.kind === 'Service');
  assert.equal((service?.object as { status?: unknown }).status, { loadBalancer: { ingress: [{ ip: '127.112.0.1' }] } });
  const event = w.seen.filter((c) => c.object.kind === 'Event');
  assert.ok(event.length >= 1 && event[event.length - 1].object.kind === 'Event');
  const last = event[event.length - 1].object as { count?: number; involvedObject: { uid?: string } };
  assert.is(last.count, 2, 'the repeat is counted');
  assert.is(last.involvedObject.uid, r.published.get('Service', 'default', 'web')?.metadata.uid);

  const before = w.seen.length;
  await r.delete('Service', 'default', 'web');
  assert.equal(w.seen.slice(before).map(line), ['DELETED Service/web', 'DELETED Endpoints/web', 'DELETED EndpointSlice/*']);
  w.handle.stop();
  await r.close();
});

test('a watch from an old resourceVersion replays the history; one older than the history is 410 Expired', async () => {
  const r = await createRegistry({ store: createMemoryStore({ history: { keepMs: 0, minChanges: 3, maxChanges: 3 } }) });
  const start = r.published.revision();
  await r.apply(svc);
  const replay = await watching(r, start);
  assert.equal(replay.seen.map(line), ['ADDED Service/web', 'ADDED Endpoints/web', 'ADDED EndpointSlice/*']);
  replay.handle.stop();
  for (let i = 0; i < 3; i++) await r.apply({ ...svc, metadata: { name: 'web', labels: { n: String(i) } } });
  let err: unknown;
  try { await watching(r, start); } catch (e) { err = e; }
  assert.instance(err, ApiError);
  assert.is((err as ApiError).httpStatus, 410);
  assert.is((err as ApiError).reason, 'Expired');
  assert.match((err as ApiError).message, /^too old resource version: \d+ \(\d+\)$/);
  await r.close();
});

test('Pods a discovery source reports are published and watched like applied ones, and gone when it drops them', async () => {
  const r = await createRegistry({ store: createMemoryStore() });
  await r.apply(svc);
  const w = await watching(r, r.published.revision());
  const found = { ...pod, metadata: { ...pod.metadata, name: 'shop-web-1', namespace: 'default' } } as Pod;
  await r.syncDiscoveredPods('docker', [{ pod: found, owner: 'the Docker container shop_web_1', remedy: 'stop the container' }]);
  assert.ok(w.seen.map(line).includes('ADDED Pod/shop-web-1'));
  assert.ok(w.seen.some((c) => c.object.kind === 'EndpointSlice'), 'the Service\'s slice follows');
  const before = w.seen.length;
  await r.syncDiscoveredPods('docker', []);
  assert.equal(w.seen.slice(before).map(line).filter((l) => l.includes('Pod/')), ['DELETED Pod/shop-web-1']);
  w.handle.stop();
  await r.close();
});

test('a dry run publishes nothing; an unchanged apply neither', async () => {
  const r = await createRegistry({ store: createMemoryStore() });
  await r.apply(svc);
  const w = await watching(r, r.published.revision());
  await r.apply({ ...svc, spec: { ...svc.spec, ports: [{ port: 81, targetPort: 8080 }] } }, { dryRun: true });
  await r.apply(svc);
  await r.delete('Service', 'default', 'web', { dryRun: true });
  await r.flushed();
  assert.equal(w.seen, []);
  w.handle.stop();
  await r.close();
});

test.run();
