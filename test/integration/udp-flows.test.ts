// UDP flows end to end: real worker threads (2) in the real pool, the real endpoint table, slot
// manager and picker, real UDP sockets on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointTable, type EndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots, type DesiredEndpoint, type EndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type AcceptMode, type UdpSocketMode, type WorkerPool } from '../../src/data/worker-pool.ts';
import type { ListenerSpec, ServicePortOptions } from '../../src/shared/messages.ts';
import { ADMIN_DOWN, READY } from '../../src/shared/slot-state.ts';
import { deadPort, echoBackend, exchange, until } from '../helpers/data-plane.ts';
import { udpBackend, udpClient, type UdpBackend, type UdpClient } from '../helpers/udp.ts';

const BASE: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0, udpIdleTimeoutMs: 30_000,
};

interface Rig {
  pool: WorkerPool;
  table: EndpointTable;
  slots: EndpointSlots;
  log: Record<string, unknown>[];
  /** A Service port over UDP (or TCP) backends on 127.0.0.1 at these ports. */
  servicePort(ports: number[], options?: Partial<ServicePortOptions>, index?: number, ip?: string): number;
  listen(index: number, spec?: Partial<ListenerSpec>): Promise<number>;
  close(): Promise<void>;
}

async function rig(o: { udpSockets?: UdpSocketMode; maxUdpFlows?: number; workers?: number; accept?: AcceptMode } = {}): Promise<Rig> {
  const table = createEndpointTable({ maxSlots: 64, maxServicePorts: 16, affinityEntries: 64 });
  const slots = createEndpointSlots(table);
  const log: Record<string, unknown>[] = [];
  const pool = await startWorkerPool({
    workers: o.workers ?? 2, accept: o.accept, table, drainTimeoutMs: 2000, maxUdpFlows: o.maxUdpFlows ?? 0, udpSockets: o.udpSockets,
    accessLog: (lines) => { for (const l of lines) log.push(JSON.parse(l)); },
  });
  let n = 0;
  const generations = new Map<number, number>();
  return {
    pool, table, slots, log,
    servicePort(ports, options, existing, ip = '127.0.0.1') {
      const index = existing ?? slots.allocServicePort();
      const desired: DesiredEndpoint[] = ports.map((port) => ({
        ip, port, ready: true, serving: true, terminating: false, weight: 1, name: `${ip}:${port}`,
      }));
      const generation = (generations.get(index) ?? 0) + 1;
      generations.set(index, generation);
      pool.setServicePort({ index, name: `default/svc${index}:p/UDP`, generation, options: { ...BASE, ...options }, endpoints: slots.update(index, desired) });
      return index;
    },
    async listen(index, spec) {
      const b = await pool.listen({ id: `u${n++}`, address: '127.0.0.1', port: 0, protocol: 'UDP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [], ...spec });
      return b.port;
    },
    close: () => pool.close(),
  };
}

const tagOf = (reply: string) => reply.split(':')[0];

async function closeAll(...things: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  for (const t of things) await t?.close();
}

for (const mode of ['per-worker', 'single'] as const) {
  test(`${mode}: new flows go round-robin across workers, exactly; each flow sticks to its endpoint`, async () => {
    const r = await rig({ udpSockets: mode });
    const a = await udpBackend('A');
    const b = await udpBackend('B');
    const port = await r.listen(r.servicePort([a.port, b.port]));
    const clients: UdpClient[] = [];
    for (let i = 0; i < 24; i++) clients.push(await udpClient());
    const first = await Promise.all(clients.map((c, i) => c.ask(`q${i}`, port)));
    assert.ok(first.every((x, i) => x === `A:q${i}` || x === `B:q${i}`), first.join());
    assert.is(first.filter((x) => tagOf(x) === 'A').length, 12, 'exactly half of the flows on each endpoint');
    if (mode === 'per-worker') {
      // 24 client ports hashed over two SO_REUSEPORT sockets: both workers carry flows (all on
      // one worker has odds 2^-23), and the shared cursor kept the split exact anyway.
      assert.ok(r.table.worker(0).flowsTotal > 0 && r.table.worker(1).flowsTotal > 0, 'both workers carry flows');
    } else {
      assert.is(r.table.worker(0).flowsTotal + r.table.worker(1).flowsTotal, 24);
      assert.ok(r.table.worker(0).flowsTotal === 0 || r.table.worker(1).flowsTotal === 0, 'one worker owns the listener');
    }
    for (let round = 0; round < 3; round++) {
      const again = await Promise.all(clients.map((c) => c.ask(`r${round}`, port)));
      assert.equal(again.map(tagOf), first.map(tagOf), 'every later datagram of a flow goes to its endpoint');
    }
    assert.is(r.table.udpFlows(), 24);
    assert.is(a.received + b.received, 24 * 4);
    await closeAll(...clients, r, a, b);
  });
}

test('round-robin rotates new flows over the usable endpoints: a not-ready one\'s share spreads evenly, not to its neighbour', async () => {
  const r = await rig();
  const backends = await Promise.all(['A', 'B', 'C', 'D'].map((t) => udpBackend(t)));
  const port = await r.listen(r.servicePort(backends.map((b) => b.port)));
  // B not ready: skipping it in place would give C B's turns too (C 12, A 6, D 6 of 24).
  r.slots.setFlags('127.0.0.1', backends[1].port, 0, READY);
  const clients: UdpClient[] = [];
  for (let i = 0; i < 24; i++) clients.push(await udpClient());
  const tags = await Promise.all(clients.map((c, i) => c.ask(`q${i}`, port)));
  const count = (t: string) => tags.filter((x) => tagOf(x) === t).length;
  assert.equal([count('A'), count('B'), count('C'), count('D')], [8, 0, 8, 8], tags.join());
  assert.ok(r.table.worker(0).flowsTotal > 0 && r.table.worker(1).flowsTotal > 0, 'both workers carry flows');
  await closeAll(...clients, r, ...backends);
});

test('idle flows expire; the next datagram opens a new flow; the access log has a line per ended flow', async () => {
  const r = await rig();
  const a = await udpBackend('A');
  const b = await udpBackend('B');
  const index = r.servicePort([a.port, b.port], { udpIdleTimeoutMs: 200 });
  const port = await r.listen(index);
  const c = await udpClient();
  const first = await c.ask('one', port);
  await until(() => r.log.length === 1, 'the idle flow ended');
  assert.is(r.log[0].end, 'idle');
  assert.is(r.log[0].protocol, 'UDP');
  assert.equal([r.log[0].datagramsIn, r.log[0].datagramsOut, r.log[0].bytesIn, r.log[0].bytesOut], [1, 1, 3, 5]);
  assert.is(r.log[0].client, `127.0.0.1:${c.port}`);
  assert.is(r.table.udpFlows(), 0);
  const second = await c.ask('two', port);
  assert.is.not(tagOf(second), tagOf(first), 'a new flow, given the next endpoint round-robin');
  assert.is(r.table.portTotalConnections(index), 2, 'two flows created');
  await until(() => r.table.flowsEnded(index, 'idle') === 2, 'both flows counted as idle-ended');
  assert.is(r.table.portDatagramsIn(index), 2);
  assert.is(r.table.portDatagramsOut(index), 2);
  await closeAll(c, r, a, b);
});

test('a removed endpoint\'s flows end at once and their next datagram goes to a usable endpoint; so do a disabled one\'s', async () => {
  const r = await rig();
  const a = await udpBackend('A');
  const b = await udpBackend('B');
  const index = r.servicePort([a.port, b.port]);
  const port = await r.listen(index);
  const c1 = await udpClient();
  const c2 = await udpClient();
  assert.is(await c1.ask('x', port), 'A:x');
  assert.is(await c2.ask('x', port), 'B:x');
  // Scale down: A leaves the Service port.
  r.servicePort([b.port], {}, index);
  await r.pool.sync();
  await until(() => r.log.some((l) => l.end === 'endpoint-removed'), 'the flow to the removed endpoint ended');
  assert.is(await c1.ask('y', port), 'B:y', 'moved to the remaining endpoint');
  assert.is(await c2.ask('y', port), 'B:y', 'the other flow kept flowing');
  assert.is(r.log.filter((l) => l.end !== undefined).length, 1);
  // A comes back and B is disabled (admin down): B's flows move with their next datagram.
  r.servicePort([a.port, b.port], {}, index);
  await r.pool.sync();
  r.slots.setFlags('127.0.0.1', b.port, ADMIN_DOWN, 0);
  assert.is(await c1.ask('z', port), 'A:z');
  assert.is(await c2.ask('z', port), 'A:z');
  await until(() => r.log.filter((l) => l.end === 'endpoint-unusable').length === 2, 'two flows ended as unusable');
  assert.is(r.table.flowsEnded(index, 'endpoint'), 3);
  await closeAll(c1, c2, r, a, b);
});

test('ClientIP affinity holds across workers and across the TCP and UDP ports of one number', async () => {
  const r = await rig();
  // Two backends, each answering TCP and UDP on the same ip:port (one slot each).
  const tcpA = await echoBackend();
  const tcpB = await echoBackend();
  const udpA = await udpBackend('A', '127.0.0.1', tcpA.port).catch(() => undefined);
  const udpB = await udpBackend('B', '127.0.0.1', tcpB.port).catch(() => undefined);
  if (!udpA || !udpB) { await closeAll(udpA, udpB, tcpA, tcpB, r); assert.unreachable('UDP port beside the TCP echo port was taken'); return; }
  const affinity = { affinitySeconds: 600, affinityKey: 40 };
  const udpIndex = r.servicePort([tcpA.port, tcpB.port], affinity);
  const tcpIndex = r.servicePort([tcpA.port, tcpB.port], affinity);
  const udpPort = await r.listen(udpIndex);
  const tcpPort = (await r.pool.listen({ id: 't0', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: tcpIndex, role: 'clusterIP', sourceRanges: [] })).port;
  // Many client ports from one client IP: flows land on both workers, all on one endpoint. The first
  // flow writes the entry; two workers that both miss at the same instant could each pick.
  const clients: UdpClient[] = [];
  for (let i = 0; i < 12; i++) clients.push(await udpClient());
  const tags = [await clients[0].ask('hi', udpPort), ...await Promise.all(clients.slice(1).map((c) => c.ask('hi', udpPort)))];
  assert.is(new Set(tags.map(tagOf)).size, 1, tags.join());
  assert.ok(r.table.worker(0).flowsTotal > 0 && r.table.worker(1).flowsTotal > 0, 'both workers carry flows');
  const [sticky, other] = tagOf(tags[0]) === 'A' ? [tcpA, tcpB] : [tcpB, tcpA];
  for (let i = 0; i < 4; i++) assert.is(await exchange(tcpPort, `ping${i}`), `ping${i}`);
  assert.is(r.table.totalConnections(r.slots.slotOf('127.0.0.1', sticky.port)!), 12 + 4, 'the 12 flows and 4 TCP connections on one endpoint');
  assert.is(r.table.totalConnections(r.slots.slotOf('127.0.0.1', other.port)!), 0);
  await closeAll(...clients, r, udpA, udpB, tcpA, tcpB);
});

test('--max-udp-flows: past it new flows are dropped and counted, live ones keep working', async () => {
  const r = await rig({ maxUdpFlows: 3 });
  const a = await udpBackend('A');
  const index = r.servicePort([a.port]);
  const port = await r.listen(index);
  const clients: UdpClient[] = [];
  for (let i = 0; i < 5; i++) clients.push(await udpClient());
  const first: string[] = [];
  for (const c of clients.slice(0, 3)) first.push(await c.ask('in', port));
  assert.equal(first, ['A:in', 'A:in', 'A:in']);
  assert.is(await clients[3].ask('over', port, '127.0.0.1', 300), 'TIMEOUT');
  assert.is(await clients[4].ask('over', port, '127.0.0.1', 300), 'TIMEOUT');
  await until(() => r.table.udpDrops(index, 'maxFlows') === 2, 'two datagrams dropped for max flows');
  for (const c of clients.slice(0, 3)) assert.is(await c.ask('still', port), 'A:still');
  assert.is(r.table.udpFlows(), 3);
  await closeAll(...clients, r, a);
});

test('zero usable endpoints: datagrams are dropped and counted, no flow is created', async () => {
  const r = await rig();
  const index = r.servicePort([]);
  const port = await r.listen(index);
  const c = await udpClient();
  for (let i = 0; i < 3; i++) assert.is(await c.ask(`x${i}`, port, '127.0.0.1', 200), 'TIMEOUT');
  await until(() => r.table.udpDrops(index, 'noEndpoints') === 3, 'three drops counted');
  assert.equal([r.table.udpFlows(), r.table.portTotalConnections(index), r.log.length], [0, 0, 0]);
  await closeAll(c, r);
});

test('ICMP port unreachable from an endpoint ends the flow, counts as its failure, and the next datagram is picked anew', async () => {
  const r = await rig();
  const dead = await deadPort();
  const a = await udpBackend('A');
  const index = r.servicePort([dead, a.port]);
  const port = await r.listen(index);
  const c = await udpClient();
  const deadSlot = r.slots.slotOf('127.0.0.1', dead)!;
  assert.is(await c.ask('first', port, '127.0.0.1', 300), 'TIMEOUT', 'round-robin gave the first flow the dead endpoint');
  await until(() => r.table.slotIcmpRefused(deadSlot) === 1, 'the refusal counted on the endpoint');
  assert.is(r.table.consecutiveFailures(deadSlot), 1, 'a failure for passive ejection');
  await until(() => r.log.some((l) => l.end === 'icmp-refused'), 'the flow ended');
  assert.is(await c.ask('second', port), 'A:second', 'a new flow, picked anew');
  assert.is(r.table.flowsEnded(index, 'refused'), 1);
  await closeAll(c, r, a);
});

test('a crashed worker\'s flows are released and the listener keeps serving on the other worker', async () => {
  const r = await rig();
  const a = await udpBackend('A');
  const port = await r.listen(r.servicePort([a.port]));
  const clients: UdpClient[] = [];
  for (let i = 0; i < 16; i++) clients.push(await udpClient());
  await Promise.all(clients.map((c) => c.ask('before', port)));
  const lost = r.table.worker(0).activeFlows;
  assert.ok(lost > 0 && lost < 16, `worker 0 holds ${lost} of the flows`);
  await r.pool.threads()[0].terminate();
  await until(() => r.table.udpFlows() === 16 - lost, 'the dead worker\'s flows released from the global count');
  // Every client is answered again: by the surviving worker, then also by the replacement.
  const after = await Promise.all(clients.map((c) => c.ask('after', port)));
  assert.ok(after.every((x) => x === 'A:after'), after.join());
  await until(() => r.pool.restarts === 1, 'a replacement');
  await closeAll(...clients, r, a);
});

test('drain: flows end once idle, the listeners close, the pool finishes', async () => {
  const r = await rig();
  const a = await udpBackend('A');
  const index = r.servicePort([a.port], { udpIdleTimeoutMs: 60_000 });
  const port = await r.listen(index);
  const c = await udpClient();
  assert.is(await c.ask('x', port), 'A:x');
  await r.pool.drain(30_000);
  assert.is(r.table.udpFlows(), 0);
  assert.ok(r.log.some((l) => l.end === 'idle'), 'ended by the drain\'s short idle limit, long before the drain timeout');
  await closeAll(c, r, a);
});

test('unlisten closes the listener and ends its flows', async () => {
  const r = await rig();
  const a: UdpBackend = await udpBackend('A');
  const index = r.servicePort([a.port]);
  const port = await r.listen(index, { id: 'gone' });
  const c = await udpClient();
  assert.is(await c.ask('x', port), 'A:x');
  await r.pool.unlisten('gone');
  await until(() => r.log.some((l) => l.end === 'listener-closed'), 'the flow ended with its listener');
  assert.is(r.table.flowsEnded(index, 'closed'), 1);
  assert.is(await c.ask('y', port, '127.0.0.1', 200), 'TIMEOUT');
  await closeAll(c, r, a);
});

test('the transfer accept mode carries UDP as well (UDP listeners are always bound by the workers)', async () => {
  const r = await rig({ accept: 'transfer' });
  const a = await udpBackend('A');
  const port = await r.listen(r.servicePort([a.port]));
  const c = await udpClient();
  assert.is(await c.ask('t', port), 'A:t');
  await closeAll(c, r, a);
});

test('IPv6: a client on ::1 through a [::1] listener to an IPv6 endpoint, replies from the address it sent to', async () => {
  const r = await rig();
  const a = await udpBackend('six', '::1');
  const index = r.servicePort([a.port], {}, undefined, '::1');
  const port = await r.listen(index, { address: '::1' });
  const c = await udpClient('::1');
  assert.is(await c.ask('v6', port, '::1'), 'six:v6');
  assert.is(await c.ask('again', port, '::1'), 'six:again');
  assert.is(r.table.udpFlows(), 1, 'one flow for both datagrams');
  await closeAll(c, r, a);
});

test('loadBalancerSourceRanges on a UDP load-balancer listener: other sources are dropped and counted', async () => {
  const r = await rig();
  const a = await udpBackend('A');
  const index = r.servicePort([a.port]);
  const port = await r.listen(index, { role: 'loadBalancer', sourceRanges: ['10.0.0.0/8'] });
  const c = await udpClient();
  assert.is(await c.ask('x', port, '127.0.0.1', 200), 'TIMEOUT');
  await until(() => r.table.udpDrops(index, 'sourceRange') === 1, 'the drop counted');
  assert.equal([r.table.udpFlows(), a.received], [0, 0]);
  await closeAll(c, r, a);
});

test.run();
