// Shutdown drain (SIGTERM) end to end: drain(timeout) stops accepting, a connection arriving during
// the drain is refused at once, and a connection still connecting to its backend is waited for and
// cut at the timeout rather than left running after the pool resolved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool } from '../../src/data/worker-pool.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { blackholeBackend, until } from '../helpers/data-plane.ts';

const OPTIONS: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 60_000,
  idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0,
};

/** Connects and reports how the attempt ended: 'connected', or the error code. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const d = connect(port, '127.0.0.1');
    // Bounded: a connection held open would otherwise hang the file instead of failing the check.
    const timer = setTimeout(() => { d.destroy(); resolve('held open'); }, 5000);
    d.on('close', () => clearTimeout(timer));
    d.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    d.on('connect', () => {
      // Accepted by the kernel: the proxy must reset it at once (a drain refusal), never hold it.
      d.on('close', () => resolve('closed'));
      d.on('data', () => resolve('data'));
    });
  });
}

for (const accept of ['transfer', 'reuseport'] as const) {
  test(`${accept}: drain waits for a connection still connecting, cuts it at the timeout, refuses newcomers`, async () => {
    const backend = await blackholeBackend();
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const pool = await startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: 30_000 });
    const index = slots.allocServicePort();
    pool.setServicePort({ index, name: 'default/hole:p/TCP', generation: 1, options: OPTIONS, endpoints: slots.update(index, [
      { ip: '127.0.0.1', port: backend.port, ready: true, serving: true, terminating: false, weight: 1, name: 'hole' },
    ]) });
    try {
      const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });

      const c = connect(port, '127.0.0.1');
      c.on('error', () => {});
      // Admitted by a worker, whose connect to the backend is now in progress.
      await until(() => table.globalActive() === 1, 'the connection to be admitted');
      let resolved = false;
      const drained = pool.drain(400).then(() => { resolved = true; });
      const newcomer = await tryConnect(port);
      assert.ok(['ECONNREFUSED', 'ECONNRESET', 'closed'].includes(newcomer), `a connection during the drain got ${newcomer}`);
      await until(() => resolved, 'the pool drain to resolve');
      await drained;
      assert.ok(c.destroyed || (await Promise.race([once(c, 'close').then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))])),
        'the connecting client was left open after the drain resolved');
      assert.is(table.globalActive(), 0);
    } finally {
      // Always release the threads, so that a failed check fails the file instead of hanging it.
      await pool.close();
      await backend.close();
    }
  });
}

test.run();
