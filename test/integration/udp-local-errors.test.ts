// A UDP flow this machine cannot open (no descriptor left: EMFILE) is its own failure, not the
// endpoint's: the datagram is dropped and counted as local_error, the endpoint gets no failure, live
// flows keep flowing, and once descriptors are free again new flows open. Real worker thread, real
// sockets on 127.0.0.1; this test process runs out of descriptors itself (each integration file
// has its own process), which the worker thread shares.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync } from 'node:fs';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool } from '../../src/data/worker-pool.ts';
import { READY, SERVING } from '../../src/shared/slot-state.ts';
import { until } from '../helpers/data-plane.ts';
import { udpBackend, udpClient } from '../helpers/udp.ts';

/** Opens /dev/null until the process has no descriptor left; the caller closes them. */
function exhaustDescriptors(): number[] {
  const fds: number[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    try {
      fds.push(openSync('/dev/null', 'r'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EMFILE') return fds;
      for (const fd of fds) closeSync(fd);
      throw err;
    }
  }
  for (const fd of fds) closeSync(fd);
  throw new Error('the open-file limit was not reached');
}

test('EMFILE opening a flow\'s upstream socket: dropped as local_error, never the endpoint\'s failure', async () => {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8 });
  const slots = createEndpointSlots(table);
  const logs: string[] = [];
  const pool = await startWorkerPool({ workers: 1, table, drainTimeoutMs: 1000, log: (_level, m) => logs.push(m) });
  const a = await udpBackend('A');
  const index = slots.allocServicePort();
  pool.setServicePort({
    index, name: 'default/dns:dns/UDP', generation: 1,
    options: { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1000, idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0, udpIdleTimeoutMs: 30_000 },
    endpoints: slots.update(index, [{ ip: '127.0.0.1', port: a.port, ready: true, serving: true, terminating: false, weight: 1, name: 'a' }]),
  });
  const port = (await pool.listen({ id: 'u', address: '127.0.0.1', port: 0, protocol: 'UDP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] })).port;
  const slot = slots.slotOf('127.0.0.1', a.port)!;
  const live = await udpClient();
  const late = await udpClient();
  assert.is(await live.ask('before', port), 'A:before', 'a live flow, its upstream socket open');

  let fds = exhaustDescriptors();
  try {
    for (let i = 0; i < 3; i++) assert.is(await late.ask(`x${i}`, port, '127.0.0.1', 300), 'TIMEOUT', 'no descriptor for a new flow');
    assert.is(await live.ask('during', port), 'A:during', 'the live flow needs no new descriptor and keeps flowing');
    await until(() => table.udpDrops(index, 'localError') === 3, 'three datagrams dropped as local_error');
  } finally {
    for (const fd of fds) closeSync(fd);
    fds = [];
  }
  assert.is(table.udpDrops(index, 'upstreamError'), 0);
  assert.equal([table.consecutiveFailures(slot), table.totalConnectFailures(slot), table.slotIcmpRefused(slot)], [0, 0, 0], 'nothing held against the endpoint');
  assert.is(table.flags(slot) & (READY | SERVING), READY | SERVING);
  await until(() => logs.some((l) => /EMFILE.*local_error/.test(l)), 'the worker says why, once');
  assert.is(await late.ask('after', port), 'A:after', 'descriptors free again: the flow opens');
  assert.is(table.udpFlows(), 2);
  await live.close();
  await late.close();
  await pool.close();
  await a.close();
});

test.run();
