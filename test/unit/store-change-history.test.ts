// The change-numbering contract every store keeps (memory-store.ts here; sqlite-store.ts in
// test/integration/store-sqlite.test.ts): one revision per published object, ADDED/MODIFIED/
// DELETED, preconditions, listeners in order, a bounded history and 410 past it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import type { ApiObject } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { compactionPoint, type StoreChange } from '../../src/store/store.ts';

const ns = (name: string, label = 'a'): ApiObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { l: label } } });
const publish = (name: string, label?: string, expectRevision?: number) => ({ op: 'publish' as const, key: `Namespace//${name}`, object: ns(name, label), expectRevision });

test('each published object gets its own revision, as resourceVersion; listeners see every change in order', async () => {
  const store = createMemoryStore();
  const seen: StoreChange[] = [];
  store.onChange((c) => seen.push(...c));
  const first = await store.commit([publish('a'), publish('b'), { op: 'put', key: 'x', object: ns('x') as never }]);
  assert.equal(first.map((c) => [c.type, c.revision, c.object.metadata.resourceVersion]), [['ADDED', 1, '1'], ['ADDED', 2, '2']]);
  await store.commit([publish('a', 'b'), { op: 'unpublish', key: 'Namespace//b' }, { op: 'unpublish', key: 'Namespace//never' }]);
  assert.equal(seen.map((c) => `${c.type} ${c.key} ${c.revision}`),
    ['ADDED Namespace//a 1', 'ADDED Namespace//b 2', 'MODIFIED Namespace//a 3', 'DELETED Namespace//b 4']);
  assert.is(seen[3].object.metadata.resourceVersion, '4', 'a DELETED carries the revision of the delete');
  assert.is(store.revision(), 4);
  const loaded = await store.loadPublished();
  assert.equal(loaded.objects.map((o) => [o.metadata.name, o.metadata.resourceVersion]), [['a', '3']]);
  assert.equal((await store.changesSince(2)).map((c) => c.revision), [3, 4]);
  assert.equal((await store.load()).length, 1, 'declared inputs are kept apart');
});

test('a stale expected revision fails the whole commit', async () => {
  const store = createMemoryStore();
  await store.commit([publish('a')]);
  await rejects(store.commit([publish('b'), publish('a', 'z', 0)]), (e: Error & { code?: string }) => e.code === 'SY_STORE_CONFLICT');
  assert.is(store.revision(), 1);
  await store.commit([publish('a', 'z', 1)]);
  assert.is(store.revision(), 2);
});

test('history is kept by age and count; older starting points are SY_STORE_COMPACTED', async () => {
  let now = 0;
  const store = createMemoryStore({ clock: () => now, history: { keepMs: 1000, minChanges: 2, maxChanges: 5 } });
  for (let i = 0; i < 4; i++) await store.commit([publish('a', String(i))]);
  assert.is(store.oldestWatchable(), 0, 'young changes stay');
  now = 5000;
  await store.commit([publish('a', 'late')]);
  assert.is(store.oldestWatchable(), 3, 'old ones go, the newest 2 stay');
  await rejects(store.changesSince(2), (e: Error & { code?: string }) => e.code === 'SY_STORE_COMPACTED' && /too old resource version: 2 \(4\)/.test(e.message));
  assert.equal((await store.changesSince(3)).map((c) => c.revision), [4, 5]);
  assert.is(compactionPoint(100, 90, { keepMs: 1, minChanges: 20, maxChanges: 50 }), 80);
  assert.is(compactionPoint(100, 0, { keepMs: 1, minChanges: 20, maxChanges: 50 }), 50);
});

test.run();
