// Real worker_threads sharing one endpoint table: the round-robin sequence, least-connections
// accounting and max-connections admission are global across workers. This file is also the
// workers' entry point (the non-main-thread branch at the bottom).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import type { DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { attachEndpointTable, createEndpointTable } from '../../src/shared/endpoint-table.ts';
import type { ServicePortOptions, ServicePortSnapshot } from '../../src/shared/messages.ts';

type Task = 'round-robin' | 'least-connections' | 'admission';
interface Job { task: Task; buffer: SharedArrayBuffer; start: SharedArrayBuffer; snapshots: ServicePortSnapshot[]; seed: number; n: number }

const WORKERS = 2;

const ep = (i: number): DesiredEndpoint =>
  ({ ip: `10.0.0.${i}`, port: 8080, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}` });

const opts = (algorithm: string, maxConnections = 0): ServicePortOptions =>
  ({ algorithm, affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1000, idleTimeoutMs: 1000, connectAttempts: 3, maxConnections });

/** Starts WORKERS workers, releases them at the same instant, returns their results and stops them. */
async function runWorkers(job: Omit<Job, 'start' | 'seed'>): Promise<any[]> {
  const start = new SharedArrayBuffer(4);
  const flag = new Int32Array(start);
  const workers = Array.from({ length: WORKERS }, (_, i) => new Worker(new URL(import.meta.url), { workerData: { ...job, start, seed: i + 1 } }));
  try {
    const results = workers.map((w) => new Promise<any>((resolve, reject) => {
      w.on('message', (m) => { if (m.type === 'result') resolve(m.result); });
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
    }));
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.on('message', (m) => { if (m.type === 'waiting') resolve(); }))));
    // SC store then notify: a worker woken (or not yet waiting) sees 1 and starts.
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

if (isMainThread) {
  test('round-robin: the union of every worker\'s picks is exactly the round-robin sequence', async () => {
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 2, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const index = slots.allocServicePort();
    const n = 5;
    const snapshot = { index, name: 'default/web:http/TCP', generation: 1, options: opts('round-robin'), endpoints: slots.update(index, Array.from({ length: n }, (_, i) => ep(i))) };
    // Not a multiple of n: per-worker cursors would each restart at e0 and over-serve it.
    const perWorker = 20_001;
    const results: { counts: Record<string, number> }[] = await runWorkers({ task: 'round-robin', buffer: table.buffer, snapshots: [snapshot], n: perWorker });
    const total: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.counts)) total[k] = (total[k] ?? 0) + v;
    const picks = WORKERS * perWorker;
    // The first `picks` entries of e0, e1, …, e4, e0, …: the remainder goes to the lowest indexes.
    assert.equal(total, Object.fromEntries(Array.from({ length: n }, (_, i) => [`e${i}`, Math.floor(picks / n) + (i < picks % n ? 1 : 0)])));
    assert.is(table.nextCursor(index), WORKERS * perWorker);
  });

  test('least-connections counts are global: a preloaded endpoint gets no new connections until the others catch up', async () => {
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 2, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const index = slots.allocServicePort();
    const endpoints = slots.update(index, [ep(0), ep(1), ep(2)]);
    const main = createEndpointPicker(table);
    for (let k = 0; k < 30; k++) main.opened(index, endpoints[0].slot);
    const perWorker = 60;
    const snapshot = { index, name: 'default/web:http/TCP', generation: 1, options: opts('least-connections'), endpoints };
    const results: { opened: Record<string, number>; closed: Record<string, number> }[] =
      await runWorkers({ task: 'least-connections', buffer: table.buffer, snapshots: [snapshot], n: perWorker });
    const net = endpoints.map((e) => results.reduce((s, r) => s + (r.opened[e.name] ?? 0) - (r.closed[e.name] ?? 0), 0));
    // Exact accounting: the shared counts are what the workers opened minus what they closed.
    assert.equal(endpoints.map((e) => table.active(e.slot)), [30 + net[0], net[1], net[2]]);
    const active = endpoints.map((e) => table.active(e.slot));
    // Workers hold 2 × 60 − closes; per-worker counting would have sent e0 a third of them.
    assert.ok(Math.max(...active) - Math.min(...active) <= WORKERS, `balanced: ${active}`);
    assert.ok(active[0] >= 30, `${active}`);
    for (const e of endpoints) while (table.active(e.slot) > 0) main.closed(index, e.slot);
  });

  test('max-connections admission is exact per Service port and globally under two workers', async () => {
    const table = createEndpointTable({ maxSlots: 4, maxServicePorts: 2, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const a = slots.allocServicePort();
    const b = slots.allocServicePort();
    const snapshots = [
      { index: a, name: 'a', generation: 1, options: opts('round-robin', 30), endpoints: slots.update(a, [ep(1)]) },
      { index: b, name: 'b', generation: 1, options: opts('round-robin', 0), endpoints: slots.update(b, [ep(2)]) },
    ];
    const results: { ok: number; global: number; service: number; maxPort: number; maxGlobal: number }[] =
      await runWorkers({ task: 'admission', buffer: table.buffer, snapshots, n: 5000 });
    for (const r of results) {
      assert.ok(r.maxPort <= 30 && r.maxGlobal <= 50, JSON.stringify(r));
    }
    assert.ok(results.some((r) => r.global > 0) && results.some((r) => r.service > 0), JSON.stringify(results));
    assert.is(table.refusals(a, 'maxConnections') + table.refusals(b, 'maxConnections'),
      results.reduce((s, r) => s + r.global + r.service, 0));
    // Every worker released what it was admitted: nothing leaks.
    assert.equal([table.portActive(a), table.portActive(b), table.globalActive()], [0, 0, 0]);
  });

  test.run();
} else {
  const job = workerData as Job;
  const table = attachEndpointTable(job.buffer);
  const rnd = seededRandom(job.seed);
  const picker = createEndpointPicker(table, { random: rnd });
  for (const s of job.snapshots) picker.setServicePort(s);
  const port = job.snapshots[0].index;
  const bump = (m: Record<string, number>, k: string) => { m[k] = (m[k] ?? 0) + 1; };
  parentPort!.postMessage({ type: 'waiting' });
  // SC load inside wait: returns at once if the main thread already stored 1.
  Atomics.wait(new Int32Array(job.start), 0, 0, 10_000);
  let result: unknown;
  if (job.task === 'round-robin') {
    const counts: Record<string, number> = {};
    for (let k = 0; k < job.n; k++) bump(counts, picker.pick(port, '127.0.0.1', [])!.name);
    result = { counts };
  } else if (job.task === 'least-connections') {
    const opened: Record<string, number> = {};
    const closed: Record<string, number> = {};
    const held: { slot: number; name: string }[] = [];
    for (let k = 0; k < job.n; k++) {
      const r = picker.pick(port, '127.0.0.1', [])!;
      picker.opened(port, r.slot);
      bump(opened, r.name);
      held.push(r);
      // Now and then a connection ends; which one is the worker's seeded choice.
      if (k % 7 === 6) {
        const [gone] = held.splice(Math.floor(rnd() * held.length), 1);
        picker.closed(port, gone.slot);
        bump(closed, gone.name);
      }
    }
    result = { opened, closed };
  } else {
    const [a, b] = job.snapshots.map((s) => s.index);
    const held: number[] = [];
    const r = { ok: 0, global: 0, service: 0, maxPort: 0, maxGlobal: 0 };
    for (let k = 0; k < job.n; k++) {
      const p = k % 3 === 2 ? b : a;
      const verdict = picker.tryAdmit(p, 50);
      if (verdict === 'ok') {
        r.ok++;
        held.push(p);
        r.maxPort = Math.max(r.maxPort, table.portActive(a));
        r.maxGlobal = Math.max(r.maxGlobal, table.globalActive());
      } else {
        r[verdict]++;
        // Refused: let a few connections end, oldest first.
        for (let j = 0; j < 3 && held.length; j++) picker.release(held.shift()!);
      }
    }
    for (const p of held) picker.release(p);
    result = r;
  }
  parentPort!.postMessage({ type: 'result', result });
}
