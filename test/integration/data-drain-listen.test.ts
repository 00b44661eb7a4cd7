// A listen still binding when the pool drain begins: it fails with SY_DRAINING instead of leaving a
// listener behind the drain (transfer: a main-thread server nobody closes) or waiting forever for
// replies from workers whose ports the drain closed (reuseport).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { startWorkerPool } from '../../src/data/worker-pool.ts';
import type { ListenerSpec } from '../../src/shared/messages.ts';
import { until } from '../helpers/data-plane.ts';

const SPEC: ListenerSpec = { id: 'late', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: 0, role: 'clusterIP', sourceRanges: [] };

/** How a promise settled: `ok <value>` or the error's code, once known. */
function outcomeOf(p: Promise<unknown>): () => string | undefined {
  let outcome: string | undefined;
  p.then((v) => { outcome = `ok ${JSON.stringify(v)}`; }, (e: NodeJS.ErrnoException) => { outcome = e.code ?? e.message; });
  return () => outcome;
}

/** 'refused', or what else happened to a connection to `port`. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code ?? 'error'));
    c.on('connect', () => { c.destroy(); resolve('accepted'); });
  });
}

for (const accept of ['transfer', 'reuseport'] as const) {
  test(`${accept}: a listen in flight when the drain begins fails with SY_DRAINING and leaves nothing listening`, async () => {
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
    const pool = await startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: 1000 });
    try {
      const listening = outcomeOf(pool.listen(SPEC));
      await pool.drain(0);
      await until(() => listening() !== undefined, 'the listen to settle');
      assert.is(listening(), 'SY_DRAINING');

      const again = outcomeOf(pool.listen({ ...SPEC, id: 'after' }));
      await until(() => again() !== undefined, 'a listen after the drain to settle');
      assert.is(again(), 'SY_DRAINING');
    } finally {
      await pool.close();
    }
  });
}

test('a port bound by a listen that lost the race with the drain is free again', async () => {
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
  const pool = await startWorkerPool({ workers: 1, accept: 'transfer', table, drainTimeoutMs: 1000 });
  try {
    // Bind a known port first, so that the racing listen asks for that exact port.
    const { port } = await pool.listen({ ...SPEC, id: 'probe' });
    await pool.unlisten('probe');
    const listening = outcomeOf(pool.listen({ ...SPEC, id: 'late', port }));
    await pool.drain(0);
    await until(() => listening() !== undefined, 'the listen to settle');
    assert.is(listening(), 'SY_DRAINING');
    assert.is(await connectOutcome(port), 'refused');
  } finally {
    await pool.close();
  }
});

test.run();
