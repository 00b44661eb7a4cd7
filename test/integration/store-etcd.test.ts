// The Store contract on a real 3-member etcd cluster (Debian etcd-server, started here, stopped by
// PID): numbering, preconditions, history, and what several instances on one etcd need — each
// other's changes, allocation claims as compare-and-swap, a leader lease with fenced writes, and no
// acknowledged write lost when a member is killed under writes. One cluster for the file; each test
// has its own key prefix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { ApiObject, KubeObject } from '../../src/model/types.ts';
import { parseEtcdUrl } from '../../src/store/etcd-connection.ts';
import { etcdRevisionOf } from '../../src/store/etcd-revision.ts';
import { ClaimConflictError, openEtcdStore } from '../../src/store/etcd-store.ts';
import type { InputChange, Store, StoreChange } from '../../src/store/store.ts';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.ts';

let cluster: EtcdCluster;
const opened: Store[] = [];
let prefixN = 0;
let prefix = '';

const open = async (p = prefix) => {
  const s = await openEtcdStore(parseEtcdUrl(cluster.url(p)), { requestTimeoutMs: 3000 });
  opened.push(s);
  return s;
};
const ns = (name: string, label = 'a'): ApiObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { l: label } } });
const publish = (name: string, label?: string, expectRevision?: number) => ({ op: 'publish' as const, key: `Namespace//${name}`, object: ns(name, label), expectRevision });
const until = async (what: string, fn: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test.before(async () => { cluster = await startEtcdCluster(); });
test.before.each(() => { prefix = `/sy-test-${process.pid}-${++prefixN}/`; });
test.after.each(async () => { for (const s of opened.splice(0)) await s.close(); });
test.after(async () => { await cluster?.stop(); });

test('each published object gets its own revision from etcd; listeners see every change in order', async () => {
  const store = await open();
  const seen: StoreChange[] = [];
  store.onChange((c) => seen.push(...c));
  const first = await store.commit([publish('a'), publish('b'), { op: 'put', key: 'x', object: ns('x') as never }]);
  assert.equal(first.map((c) => c.type), ['ADDED', 'ADDED']);
  assert.is(first[1].revision, first[0].revision + 1, 'positions within one transaction');
  assert.is(etcdRevisionOf(first[0].revision), etcdRevisionOf(first[1].revision), 'one etcd transaction');
  for (const c of first) assert.is(c.object.metadata.resourceVersion, String(c.revision));
  await store.commit([publish('a', 'b'), { op: 'unpublish', key: 'Namespace//b' }, { op: 'unpublish', key: 'Namespace//never' }]);
  assert.equal(seen.map((c) => `${c.type} ${c.key}`), ['ADDED Namespace//a', 'ADDED Namespace//b', 'MODIFIED Namespace//a', 'DELETED Namespace//b']);
  const revs = seen.map((c) => c.revision);
  assert.equal([...revs].sort((x, y) => x - y), revs, 'increasing');
  assert.is(new Set(revs).size, 4, 'distinct');
  assert.is(seen[3].object.metadata.resourceVersion, String(seen[3].revision), 'a DELETED carries the revision of the delete');
  assert.ok(store.revision() >= seen[3].revision);
  const loaded = await store.loadPublished();
  assert.equal(loaded.objects.map((o) => [o.metadata.name, o.metadata.resourceVersion]), [['a', String(seen[2].revision)]]);
  assert.equal((await store.changesSince(seen[1].revision)).map((c) => c.revision), [seen[2].revision, seen[3].revision]);
  assert.equal((await store.load()).map((o) => o.metadata.name), ['x'], 'declared inputs are kept apart');
  await rejects(store.changesSince(seen[0].revision - 10_000), (e: Error & { code?: string }) => e.code === 'SY_STORE_COMPACTED');
});

test('a stale expected revision fails the whole commit', async () => {
  const store = await open();
  const [a] = await store.commit([publish('a')]);
  await rejects(store.commit([publish('b'), publish('a', 'z', 0)]), (e: Error & { code?: string }) => e.code === 'SY_STORE_CONFLICT');
  assert.equal((await store.loadPublished()).objects.map((o) => o.metadata.name), ['a']);
  const [again] = await store.commit([publish('a', 'z', a.revision)]);
  assert.is(again.type, 'MODIFIED');
});

test('a change through one instance reaches the other with the same revision, inputs first', async () => {
  const a = await open();
  const b = await open();
  const seenB: StoreChange[] = [];
  const inputsB: InputChange[] = [];
  b.shared!.onInputChange((c) => inputsB.push(...c));
  b.onChange((c) => { assert.ok(inputsB.length > 0, 'the declared input arrives before the published object'); seenB.push(...c); });
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as KubeObject;
  const done = await a.commit([{ op: 'put', key: 'Service/default/s', object: svc }, publish('default')]);
  await until('B sees it', () => seenB.length === 1);
  assert.equal(seenB.map((c) => [c.type, c.revision]), done.map((c) => [c.type, c.revision]));
  assert.equal(inputsB.map((c) => [c.key, c.object?.metadata.name]), [['Service/default/s', 's']]);
  assert.equal((await b.load()).map((o) => o.metadata.name), ['s']);
  // B's expectation from A's revision is honoured: the precondition is global.
  await b.commit([publish('default', 'b', done[0].revision)]);
  await rejects(a.commit([publish('default', 'c', done[0].revision)]), (e: Error & { code?: string }) => e.code === 'SY_STORE_CONFLICT');
  // A store opened later lists the same state at the same revisions.
  const c = await open();
  assert.equal((await c.loadPublished()).objects, (await b.loadPublished()).objects);
});

test('claims are compare-and-swap: concurrent claims of one key, exactly one wins', async () => {
  const a = await open();
  const b = await open();
  const results = await Promise.allSettled([
    a.commit([{ op: 'claim', key: 'clusterip/10.0.0.5', owner: 'Service/default/a' }, publish('a')]),
    b.commit([{ op: 'claim', key: 'clusterip/10.0.0.5', owner: 'Service/default/b' }, publish('b')]),
  ]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  assert.is(won.length, 1);
  assert.instance(lost[0].reason, ClaimConflictError);
  assert.equal((lost[0].reason as ClaimConflictError).claimed, ['clusterip/10.0.0.5']);
  const winner = results[0].status === 'fulfilled' ? a : b;
  // a's published copy follows etcd's watch: when b won, wait until a has seen that commit.
  await until('a has seen the winning commit', () => a.revision() >= winner.revision());
  assert.is((await a.loadPublished()).objects.length, 1, 'the losing commit changed nothing');
  // The owner may claim again (idempotent) and release; then the other can take it.
  const owner = winner === a ? 'Service/default/a' : 'Service/default/b';
  await winner.commit([{ op: 'claim', key: 'clusterip/10.0.0.5', owner }]);
  await winner.commit([{ op: 'release', key: 'clusterip/10.0.0.5', owner }, publish('x')]);
  const other = winner === a ? b : a;
  await until('the release reaches the other', () => other.revision() >= winner.revision());
  await other.commit([{ op: 'claim', key: 'clusterip/10.0.0.5', owner: 'Service/default/z' }, publish('y')]);
});

test('one leader at a time; a deposed leader\'s fenced writes are refused; closing hands over', async () => {
  const a = await open();
  const b = await open();
  const la = a.shared!.elect('ctl', { identity: 'a', ttlSeconds: 2, onChange: () => {} });
  await until('a leads', () => la.leading());
  const lb = b.shared!.elect('ctl', { identity: 'b', ttlSeconds: 2, onChange: () => {} });
  await until('b sees a', () => lb.state().holder === 'a');
  assert.not.ok(lb.leading());
  await a.commit([publish('fenced')], { fenced: true });
  await rejects(b.commit([publish('nope')], { fenced: true }), (e: Error & { code?: string }) => e.code === 'SY_STORE_FENCED');
  // Depose a behind its back: its lease is revoked in etcd (as when it expires during a partition).
  // a still believes it leads until its watch says otherwise; etcd refuses its fenced writes anyway.
  const leases = execFileSync('etcdctl', ['--endpoints', cluster.endpoints.join(','), 'lease', 'list'], { encoding: 'utf8' });
  for (const id of leases.match(/[0-9a-f]{8,}/g) ?? []) execFileSync('etcdctl', ['--endpoints', cluster.endpoints.join(','), 'lease', 'revoke', id]);
  await until('b takes over', () => lb.leading());
  await rejects(a.commit([publish('late')], { fenced: true }), (e: Error & { code?: string }) => e.code === 'SY_STORE_FENCED');
  await until('a knows', () => !la.leading() && la.state().holder === 'b');
  await b.commit([publish('ok')], { fenced: true });
  assert.ok(lb.state().transitions >= 1);
  // A clean stop hands over at once (the lease is revoked, not left to expire).
  const lc = a.shared!.elect('ctl', { identity: 'c', ttlSeconds: 30, onChange: () => {} });
  await lb.close();
  await until('c takes over', () => lc.leading(), 5000);
  await lc.close();
  await la.close();
});

test('kill -9 of one etcd member under writes: every acknowledged write is there', async () => {
  const a = await open();
  const b = await open();
  const acked: string[] = [];
  let stop = false;
  const writer = async (s: Store, tag: string) => {
    for (let i = 0; i < 400 && !stop; i++) {
      const name = `${tag}-${i}`;
      try {
        await s.commit([{ op: 'put', key: `Pod/default/${name}`, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name } } as KubeObject }, publish(name)]);
        acked.push(name);
      } catch { /* not acknowledged: may or may not be there */ }
    }
  };
  const writers = [writer(a, 'a'), writer(b, 'b')];
  await until('writes are flowing', () => acked.length >= 20);
  await cluster.kill9(0);
  const killedAt = acked.length;
  await until('writes go on with two members', () => acked.length >= killedAt + 40, 20_000);
  stop = true;
  await Promise.all(writers);
  await cluster.restart(0);
  const fresh = await open();
  const names = new Set((await fresh.load()).map((o) => o.metadata.name));
  const published = new Set((await fresh.loadPublished()).objects.map((o) => o.metadata.name));
  const lost = acked.filter((n) => !names.has(n) || !published.has(n));
  assert.equal(lost, [], 'no acknowledged write lost');
});

test.run();
