// A replacement worker that fails during its bootstrap (its module throws before it runs a task):
// piscina alone would stop replacing workers for good and leave the slot's task pending forever
// (worker-host.ts). The pool must keep restarting the slot, backing off, until a worker starts —
// and a drain must not wait for a worker that never starts. Before the pool was ever ready, though,
// a worker that keeps failing ends the start with an error instead of retrying for ever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type WorkerPool } from '../../src/data/worker-pool.ts';
import { WorkerRestartPolicy } from '../../src/data/worker-restart-policy.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { echoBackend, exchange, until } from '../helpers/data-plane.ts';

const OPTIONS: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0,
};
const dir = mkdtempSync(join(tmpdir(), 'switchyard-boot-'));
const failures = join(dir, 'failures');
writeFileSync(failures, '0');
// Read by each worker thread when it loads the module (a worker's env is copied at its start).
process.env.SWITCHYARD_TEST_BOOT_FAILURES = failures;
const workerFile = new URL('../helpers/failing-worker.ts', import.meta.url).pathname;

async function rig(logs: string[]): Promise<{ pool: WorkerPool; port: number; close(): Promise<void> }> {
  const backend = await echoBackend();
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 2, affinityEntries: 8 });
  const slots = createEndpointSlots(table);
  const pool = await startWorkerPool({ workers: 1, accept: 'reuseport', table, drainTimeoutMs: 1000, workerFile, log: (_l, m) => logs.push(m) });
  const index = slots.allocServicePort();
  pool.setServicePort({ index, name: 'default/echo:p/TCP', generation: 1, options: OPTIONS, endpoints: slots.update(index, [
    { ip: '127.0.0.1', port: backend.port, ready: true, serving: true, terminating: false, weight: 1, name: 'echo' },
  ]) });
  const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });
  return { pool, port, close: async () => { await pool.close(); await backend.close(); } };
}

/** Closes the rig; false when that took over 10 s (a drain waiting for a task that never settles). */
function closeWithin(r: { close(): Promise<void> }, ms = 10_000): Promise<boolean> {
  return Promise.race([r.close().then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), ms).unref())]);
}

test('replacements that fail during bootstrap are retried, backing off, until one starts and serves', async () => {
  const logs: string[] = [];
  const r = await rig(logs);
  try {
    assert.is(await exchange(r.port, 'before'), 'before');
    writeFileSync(failures, '2');
    await r.pool.threads()[0].terminate();
    // The crash, then two replacements that die while loading: three restarts, the last one serves.
    await until(() => r.pool.restarts === 3 && r.pool.threads().length === 1, 'a replacement that starts');
    // Refused until the replacement has bound its listener (reuseport, the only worker).
    let got = '';
    for (const end = Date.now() + 30_000; got !== 'after' && Date.now() < end;) {
      got = await exchange(r.port, 'after');
      if (got !== 'after') await new Promise((res) => setTimeout(res, 50));
    }
    assert.is(got, 'after');
    assert.ok(logs.some((l) => l.includes('starting a replacement in 0.2 s (quick failure 2 in a row)')), logs.join('\n'));
  } finally {
    assert.ok(await closeWithin(r), 'the pool did not close within 10 s');
  }
});

test('a drain does not wait for a worker that never starts', async () => {
  const logs: string[] = [];
  const r = await rig(logs);
  writeFileSync(failures, '1000');
  await r.pool.threads()[0].terminate();
  await until(() => r.pool.restarts >= 2, 'a failed replacement');
  try {
    assert.ok(await closeWithin(r), 'the pool did not close within 10 s');
  } finally {
    writeFileSync(failures, '0');
  }
});

test('workers that never start fail the start with SY_WORKER_START_FAILED, and nothing is retried after', async () => {
  writeFileSync(failures, '1000');
  try {
    const logs: string[] = [];
    const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 2, affinityEntries: 8 });
    const err = await startWorkerPool({ workers: 2, accept: 'reuseport', table, drainTimeoutMs: 1000, workerFile, log: (_l, m) => logs.push(m) })
      .then(() => null, (e: NodeJS.ErrnoException) => e);
    assert.ok(err, 'the start succeeded');
    assert.is(err!.code, 'SY_WORKER_START_FAILED');
    assert.match(err!.message, `failed to start ${WorkerRestartPolicy.defaults.startAttempts} times in a row`);
    assert.match(err!.message, 'failed during bootstrap (test)');
    assert.ok(logs.some((l) => l.includes('giving up')), logs.join('\n'));
    const left = Number(readFileSync(failures, 'utf8'));
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(Number(readFileSync(failures, 'utf8')), left, 'a worker was started after the start had failed');
  } finally {
    writeFileSync(failures, '0');
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
