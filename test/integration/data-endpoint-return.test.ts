// An endpoint that leaves its Service port's snapshot starts a drain of its connections there; if it
// comes back before the drain timeout, that drain is cancelled and its connections live on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots, type DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool } from '../../src/data/worker-pool.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { echoBackend } from '../helpers/data-plane.ts';

const OPTIONS: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0,
};
const DRAIN_MS = 800;

const endpoint = (port: number): DesiredEndpoint =>
  ({ ip: '127.0.0.1', port, ready: true, serving: true, terminating: false, weight: 1, name: `127.0.0.1:${port}` });

/** Writes `text` and resolves true once it came back, false if the connection ended first. */
function roundTrip(c: Socket, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (c.destroyed) { resolve(false); return; }
    let got = '';
    const onData = (d: Buffer) => { got += d; if (got === text) { c.off('data', onData); c.off('close', onClose); resolve(true); } };
    const onClose = () => { c.off('data', onData); resolve(false); };
    c.on('data', onData);
    c.once('close', onClose);
    c.write(text);
  });
}

for (const accept of ['transfer', 'reuseport'] as const) {
  test(`${accept}: an endpoint back in the snapshot within the drain timeout keeps its connections`, async () => {
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const pool = await startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: DRAIN_MS });
    const a = await echoBackend();
    const b = await echoBackend();
    const index = slots.allocServicePort();
    let generation = 0;
    const publish = (ports: number[]) => pool.setServicePort({
      index, name: 'default/echo:p/TCP', generation: ++generation, options: OPTIONS, endpoints: slots.update(index, ports.map(endpoint)),
    });
    publish([a.port]);
    const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });

    const kept = connect(port, '127.0.0.1');
    kept.on('error', () => {});
    assert.ok(await roundTrip(kept, 'first'));
    // A leaves and comes back (a flapping readiness, a re-apply): both snapshots are in flight at once.
    publish([b.port]);
    publish([a.port, b.port]);
    await pool.sync();
    // Past the drain timeout the removal started: the connection must still be there and working.
    await new Promise((r) => setTimeout(r, DRAIN_MS * 2));
    assert.ok(await roundTrip(kept, 'still here'), 'the returned endpoint\'s connection was cut by the old drain');

    // The same connection is drained when A leaves for good.
    publish([b.port]);
    if (!kept.destroyed) await once(kept, 'close');
    await pool.close();
    await a.close();
    await b.close();
  });
}

test.run();
