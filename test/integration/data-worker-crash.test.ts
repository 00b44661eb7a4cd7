// A data-plane worker that dies: the active counts its connections held in the shared table are
// given back (least-connections, max-connections and slot freeing depend on them), and in transfer
// mode sockets accepted while no worker is alive wait for the replacement instead of being reset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createEndpointTable, type EndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots, type EndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type AcceptMode, type WorkerPool } from '../../src/data/worker-pool.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { echoBackend, exchange, until } from '../helpers/data-plane.ts';

const OPTIONS: ServicePortOptions = {
  algorithm: 'least-connections', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 2, maxConnections: 0,
};

interface Rig { table: EndpointTable; slots: EndpointSlots; pool: WorkerPool; index: number; port: number; slot: number }

async function rig(accept: AcceptMode, workers: number, backendPort: number): Promise<Rig> {
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const pool = await startWorkerPool({ workers, accept, table, drainTimeoutMs: 5000 });
  const index = slots.allocServicePort();
  const endpoints = slots.update(index, [{ ip: '127.0.0.1', port: backendPort, ready: true, serving: true, terminating: false, weight: 1, name: 'echo' }]);
  pool.setServicePort({ index, name: 'default/echo:p/TCP', generation: 1, options: OPTIONS, endpoints });
  const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });
  return { table, slots, pool, index, port, slot: endpoints[0].slot };
}

/** An established, echoing connection through the proxy (its first byte came back). */
async function hold(port: number): Promise<Socket> {
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('hold');
  const echoed = await Promise.race([once(c, 'data').then(() => true), once(c, 'close').then(() => false)]);
  if (!echoed) throw new Error('the held connection was closed before its echo');
  return c;
}

/** hold(), retried while a replacement worker is still binding its reuseport listener. */
async function holdOnceServed(port: number): Promise<Socket> {
  for (let i = 0; ; i++) {
    try { return await hold(port); } catch (err) {
      if (i >= 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

for (const accept of ['transfer', 'reuseport'] as const) {
  test(`${accept}: a crashed worker's connections are released from the global, Service port and slot counts`, async () => {
    const backend = await echoBackend();
    const r = await rig(accept, 1, backend.port);
    const held = [await hold(r.port), await hold(r.port), await hold(r.port)];
    assert.is(r.table.globalActive(), 3);
    assert.is(r.table.portActive(r.index), 3);
    assert.is(r.table.active(r.slot), 3);

    await r.pool.threads()[0].terminate();
    await until(() => held.every((c) => c.destroyed), 'the dead worker\'s clients to see their connections end');
    await until(() => r.pool.restarts === 1, 'a replacement worker');
    await until(() => r.table.globalActive() === 0, 'the global active count to drop to 0');
    assert.is(r.table.portActive(r.index), 0);
    assert.is(r.table.active(r.slot), 0);

    // The replacement counts from zero, and a slot left by its Service port can be freed again.
    const after = await holdOnceServed(r.port);
    assert.is(r.table.active(r.slot), 1);
    after.destroy();
    await until(() => r.table.active(r.slot) === 0, 'the last connection to be released');
    r.pool.setServicePort({ index: r.index, name: 'default/echo:p/TCP', generation: 2, options: OPTIONS, endpoints: r.slots.update(r.index, []) });
    assert.is(r.slots.sweep(), 1, 'the drained slot was not freed');
    await r.pool.close();
    await backend.close();
  });
}

test('transfer: a surviving worker keeps its own counts when another one dies', async () => {
  const backend = await echoBackend();
  const r = await rig('transfer', 2, backend.port);
  // Transfer mode alternates between the two ready workers: two connections on each.
  const held = [await hold(r.port), await hold(r.port), await hold(r.port), await hold(r.port)];
  assert.is(r.table.globalActive(), 4);
  await r.pool.threads()[0].terminate();
  await until(() => held.filter((c) => c.destroyed).length === 2, 'the dead worker\'s two clients to see the end');
  await until(() => r.table.globalActive() === 2, 'the global active count to drop to the survivors\' 2');
  assert.is(r.table.portActive(r.index), 2);
  assert.is(r.table.active(r.slot), 2);
  for (const c of held) c.destroy();
  await until(() => r.table.globalActive() === 0 && r.table.active(r.slot) === 0, 'every count back to 0');
  assert.is(r.table.portActive(r.index), 0);
  await r.pool.close();
  await backend.close();
});

test('transfer: connections accepted while the only worker is being replaced are served by the replacement', async () => {
  const backend = await echoBackend();
  const r = await rig('transfer', 1, backend.port);
  assert.is(await exchange(r.port, 'before'), 'before');
  await r.pool.threads()[0].terminate();
  // Sent at once, before the replacement thread has started and loaded its task.
  const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => exchange(r.port, `during ${i}`)));
  assert.equal(replies, Array.from({ length: 8 }, (_, i) => `during ${i}`));
  assert.is(r.pool.restarts, 1);
  await until(() => r.table.globalActive() === 0, 'every connection to be released');
  await r.pool.close();
  await backend.close();
});

test.run();
