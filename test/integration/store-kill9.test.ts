// kill -9 in the middle of a stream of commits: every commit the child acknowledged (printed after
// commit() resolved) must be there after reopening, each two-key commit whole or absent, and the
// store must accept new writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../src/model/types.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

const root = new URL('../..', import.meta.url).pathname;
const nodeBin = join(root, 'node_modules', '.bin', 'node');
const work = mkdtempSync(join(tmpdir(), 'sy-kill9-'));
const stateDir = join(work, 'state');
const childScript = join(work, 'writer.ts');

// The child: commits pairs of Pods forever (bounded), printing `ack <i>` once each commit resolved.
writeFileSync(childScript, `
import { openSqliteStore } from ${JSON.stringify(join(root, 'src/store/sqlite-store.ts'))};
const [dir, round] = process.argv.slice(2);
const store = await openSqliteStore(dir);
process.stdout.write('ready\\n');
const pod = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c' }] }, status: { podIP: '127.0.0.1', phase: 'Running' } });
for (let i = 0; i < 200000; i++) {
  const a = 'r' + round + '-a-' + i, b = 'r' + round + '-b-' + i;
  await store.commit([
    { op: 'put', key: 'Pod/default/' + a, object: pod(a) },
    { op: 'put', key: 'Pod/default/' + b, object: pod(b) },
  ]);
  process.stdout.write('ack ' + i + '\\n');
}
`);

function runAndKill(round: number, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, [childScript, stateDir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`writer too slow: ${acked.length} acks; ${err}`)); }, 60_000);
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      }
      if (!killed && acked.length >= killAfter) {
        killed = true;
        process.kill(child.pid!, 'SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself: code ${code} ${err}`));
      else resolve(acked);
    });
  });
}

test('every acknowledged commit survives SIGKILL, whole', async () => {
  const expected: string[] = [];
  for (const [round, killAfter] of [[1, 150], [2, 37], [3, 400]] as const) {
    const acked = await runAndKill(round, killAfter);
    assert.ok(acked.length >= killAfter);
    for (const i of acked) expected.push(`r${round}-a-${i}`, `r${round}-b-${i}`);

    const store = await openSqliteStore(stateDir);
    const names = new Set((await store.load()).map((o) => o.metadata.name!));
    for (const name of expected) assert.ok(names.has(name), `acknowledged ${name} lost after kill -9`);
    for (const name of names) {
      const twin = name.includes('-a-') ? name.replace('-a-', '-b-') : name.replace('-b-', '-a-');
      if (name.startsWith('r')) assert.ok(names.has(twin), `commit torn: ${name} without ${twin}`);
    }
    const probe: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `probe-${round}`, namespace: 'default' }, spec: { containers: [] } };
    await store.commit([{ op: 'put', key: `Pod/default/probe-${round}`, object: probe }]);
    await store.close();
  }
  const store = await openSqliteStore(stateDir);
  const names = new Set((await store.load()).map((o) => o.metadata.name!));
  assert.ok(names.has('probe-1') && names.has('probe-2') && names.has('probe-3'));
  await store.close();
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
