// The embedded store on a real file: persistence across reopen, atomic commits, exclusive use of
// a state directory, and clear refusals (never silent recreation) for bad state.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import type { Pod } from '../../src/model/types.ts';
import { defaultStateDir } from '../../src/store/default-state-dir.ts';
import { openSqliteStore, STATE_FILE } from '../../src/store/sqlite-store.ts';
import { StoreError } from '../../src/store/store-error.ts';

const work = mkdtempSync(join(tmpdir(), 'sy-store-'));
let n = 0;
const freshDir = () => join(work, `s${++n}`);
const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c' }] } });
const put = (name: string) => ({ op: 'put' as const, key: `Pod/default/${name}`, object: pod(name) });

async function refusal(dir: string): Promise<StoreError> {
  try {
    const s = await openSqliteStore(dir);
    await s.close();
  } catch (err) {
    assert.instance(err, StoreError);
    return err as StoreError;
  }
  throw new Error('expected the store to refuse to open');
}

test('objects survive close and reopen; delete removes; load is in key order', async () => {
  const dir = freshDir();
  const s = await openSqliteStore(dir);
  assert.equal(await s.load(), []);
  await s.commit([put('b'), put('a'), put('c')]);
  await s.commit([{ op: 'delete', key: 'Pod/default/c' }, { ...put('b'), object: { ...pod('b'), metadata: { name: 'b', namespace: 'default', labels: { v: '2' } } } }]);
  await s.close();
  const s2 = await openSqliteStore(dir);
  const objs = await s2.load();
  assert.equal(objs.map((o) => o.metadata.name), ['a', 'b']);
  assert.equal(objs[1].metadata.labels, { v: '2' });
  await s2.close();
});

test('a failing commit applies nothing', async () => {
  const dir = freshDir();
  const s = await openSqliteStore(dir);
  await s.commit([put('a')]);
  const bad = { op: 'put' as const, key: 'Pod/default/x', object: undefined as unknown as Pod };
  let failed = false;
  try { await s.commit([put('z'), bad]); } catch { failed = true; }
  assert.ok(failed);
  assert.equal((await s.load()).map((o) => o.metadata.name), ['a']);
  await s.commit([put('y')]);
  assert.equal((await s.load()).map((o) => o.metadata.name), ['a', 'y']);
  await s.close();
});

test('a second store on the same directory is refused with SY_STORE_LOCKED until the first closes', async () => {
  const dir = freshDir();
  const first = await openSqliteStore(dir);
  await first.commit([put('a')]);
  const err = await refusal(dir);
  assert.is(err.code, 'SY_STORE_LOCKED');
  assert.ok(err.message.includes(join(dir, STATE_FILE)));
  assert.equal((await first.load()).length, 1);
  await first.close();
  const again = await openSqliteStore(dir);
  assert.equal((await again.load()).length, 1);
  await again.close();
});

test('garbage in the database file is SY_STORE_CORRUPT, names the file, and leaves it untouched', async () => {
  const dir = freshDir();
  const s = await openSqliteStore(dir);
  await s.commit([put('a')]);
  await s.close();
  const file = join(dir, STATE_FILE);
  const garbage = Buffer.alloc(16384, 'not a database, just noise. ');
  writeFileSync(file, garbage);
  const err = await refusal(dir);
  assert.is(err.code, 'SY_STORE_CORRUPT');
  assert.is(err.file, file);
  assert.ok(err.message.includes(file) && err.message.includes('move the file aside'), err.message);
  assert.ok(readFileSync(file).equals(garbage), 'the store must not rewrite a corrupt file');
});

test('an SQLite file that is not ours is SY_STORE_CORRUPT; a newer schema is SY_STORE_VERSION', async () => {
  const foreign = freshDir();
  await (await openSqliteStore(foreign)).close();
  let db = new DatabaseSync(join(foreign, STATE_FILE));
  db.exec('DROP TABLE meta; CREATE TABLE other (x)');
  db.close();
  assert.is((await refusal(foreign)).code, 'SY_STORE_CORRUPT');

  const newer = freshDir();
  await (await openSqliteStore(newer)).close();
  db = new DatabaseSync(join(newer, STATE_FILE));
  db.exec("UPDATE meta SET v = '99' WHERE k = 'schema_version'");
  db.close();
  const err = await refusal(newer);
  assert.is(err.code, 'SY_STORE_VERSION');
  assert.ok(err.message.includes('99'));
});

test('a stored object that is not JSON is SY_STORE_CORRUPT on load', async () => {
  const dir = freshDir();
  const s = await openSqliteStore(dir);
  await s.commit([put('a')]);
  await s.close();
  const db = new DatabaseSync(join(dir, STATE_FILE));
  db.exec("UPDATE objects SET json = '{broken'");
  db.close();
  const s2 = await openSqliteStore(dir);
  try {
    await s2.load();
    assert.unreachable('load should fail');
  } catch (err) {
    assert.is((err as StoreError).code, 'SY_STORE_CORRUPT');
    assert.ok((err as Error).message.includes('Pod/default/a'));
  } finally {
    await s2.close();
  }
});

test('a state directory that cannot be created is SY_STORE_UNREADABLE', async () => {
  const blocker = join(work, 'a-file');
  writeFileSync(blocker, 'x');
  const err = await refusal(join(blocker, 'state'));
  assert.is(err.code, 'SY_STORE_UNREADABLE');
  assert.ok(err.message.includes(blocker));
});

test('defaultStateDir follows SWITCHYARD_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
  assert.is(defaultStateDir({ SWITCHYARD_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' }), '/s');
  assert.is(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' }), '/x/switchyard');
  assert.is(defaultStateDir({ HOME: '/h' }), '/h/.local/state/switchyard');
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test('published objects are numbered, kept with their history across reopen, and compacted', async () => {
  const dir = freshDir();
  const ns = (name: string, l: string) => ({ apiVersion: 'v1' as const, kind: 'Namespace' as const, metadata: { name, labels: { l } } });
  let now = 0;
  const s = await openSqliteStore(dir, { clock: () => now, history: { keepMs: 1000, minChanges: 2, maxChanges: 100 } });
  const seen: number[] = [];
  s.onChange((c) => seen.push(...c.map((x) => x.revision)));
  await s.commit([put('a'), { op: 'publish', key: 'Namespace//x', object: ns('x', '1') }, { op: 'publish', key: 'Namespace//y', object: ns('y', '1') }]);
  await s.commit([{ op: 'publish', key: 'Namespace//x', object: ns('x', '2') }, { op: 'unpublish', key: 'Namespace//y' }]);
  assert.equal(seen, [1, 2, 3, 4]);
  await rejects(s.commit([{ op: 'publish', key: 'Namespace//x', object: ns('x', '3'), expectRevision: 1 }]), (e: StoreError) => e.code === 'SY_STORE_CONFLICT');
  await s.close();
  const again = await openSqliteStore(dir, { clock: () => now, history: { keepMs: 1000, minChanges: 2, maxChanges: 100 } });
  assert.is(again.revision(), 4, 'the revision survives a restart');
  assert.equal((await again.changesSince(1)).map((c) => `${c.type} ${c.key} ${c.object.metadata.resourceVersion}`),
    ['ADDED Namespace//y 2', 'MODIFIED Namespace//x 3', 'DELETED Namespace//y 4']);
  assert.equal((await again.loadPublished()).objects.map((o) => [o.metadata.name, o.metadata.resourceVersion]), [['x', '3']]);
  now = 10_000;
  await again.commit([{ op: 'publish', key: 'Namespace//z', object: ns('z', '1') }]);
  assert.is(again.oldestWatchable(), 3);
  await rejects(again.changesSince(1), (e: StoreError) => e.code === 'SY_STORE_COMPACTED');
  await again.close();
});

test('a version 1 state file is upgraded: objects kept, the revision continues from their highest resourceVersion', async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, STATE_FILE));
  db.exec('CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
  db.exec('CREATE TABLE objects (key TEXT PRIMARY KEY, json TEXT NOT NULL)');
  db.exec("INSERT INTO meta VALUES ('schema_version', '1')");
  db.prepare('INSERT INTO objects VALUES (?, ?)').run('Pod/default/old', JSON.stringify({ ...pod('old'), metadata: { name: 'old', namespace: 'default', resourceVersion: '41' } }));
  db.close();
  const s = await openSqliteStore(dir);
  assert.equal((await s.load()).map((o) => o.metadata.name), ['old']);
  assert.is(s.revision(), 41);
  const [c] = await s.commit([{ op: 'publish', key: 'Pod/default/old', object: pod('old') }]);
  assert.is(c.revision, 42);
  await s.close();
});

test.run();
