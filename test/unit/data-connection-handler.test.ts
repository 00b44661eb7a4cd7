// The connection handler's life cycle over a scripted transport: which upstream it connects,
// what a connect timeout, a failure, a late answer or a drain does, and what it gives back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createConnectionRegistry } from '../../src/data/connection-registry.ts';
import { handleConnection, type HandlerContext, type ListenerContext } from '../../src/data/connection-handler.ts';
import type { ConnectionTransport, ConnectOwner } from '../../src/data/connection-transport.ts';
import type { SpliceOptions } from '../../src/data/splice-types.ts';
import { pendingDeadlines, useDeadlineClock } from '../../src/data/connect-deadlines.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

let clock: FakeClock;
test.before.each(() => { clock = new FakeClock(0); useDeadlineClock(clock); });
test.after.each(() => { useDeadlineClock(undefined); });

interface Client { open: boolean; ended: 'reset' | 'drop' | null }
interface Upstream { host: string; port: number; owner: ConnectOwner<Upstream>; aborted: boolean; spliced: SpliceOptions | null }

function setup(extra: { connectTimeoutMs?: number; connectAttempts?: number } = {}) {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 2, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const picker = createEndpointPicker(table);
  const index = slots.allocServicePort();
  const endpoints = slots.update(index, ['10.0.0.1', '10.0.0.2'].map((ip) => ({ ip, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: ip })));
  picker.setServicePort({
    index, name: 'default/web:http/TCP', generation: 1, endpoints,
    options: { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, idleTimeoutMs: 0, maxConnections: 0, connectTimeoutMs: 5000, connectAttempts: 1, ...extra },
  });
  const log: Record<string, unknown>[] = [];
  const registry = createConnectionRegistry(clock);
  const ctx: HandlerContext = {
    picker, registry, globalMaxConnections: 0, accessLog: (l) => log.push(JSON.parse(l)),
    countRefusal: (i, cause) => table.countRefusal(i, cause),
  };
  const listener: ListenerContext = { id: 'l', address: '127.0.0.1', port: 80, servicePortIndex: index, allowSource: null };
  const upstreams: Upstream[] = [];
  const transport: ConnectionTransport<Client, Upstream> = {
    hold() {},
    remoteAddress: () => '127.0.0.9',
    remotePort: () => 5555,
    localAddress: () => '127.0.0.1',
    localPort: () => 80,
    alive: (c) => c.open,
    reset(c) { if (c.open) { c.open = false; c.ended = 'reset'; } },
    drop(c) { if (c.open) { c.open = false; c.ended = 'drop'; } },
    connect(host, port, owner) {
      const u: Upstream = { host, port, owner, aborted: false, spliced: null };
      upstreams.push(u);
      return u;
    },
    abort(u) { u.aborted = true; },
    splice(c, u, _head, opts) {
      c.open = false;
      u.spliced = opts;
      const s = { bytesIn: 12, bytesOut: 34, close: (end: 'drained') => opts.onClose({ bytesIn: 12, bytesOut: 34, end }) };
      return s;
    },
  };
  const connect = () => {
    const c: Client = { open: true, ended: null };
    handleConnection(c, transport, listener, ctx);
    return c;
  };
  const settledCounts = () => ({ registry: registry.size, global: table.globalActive(), port: table.portActive(index), deadlines: pendingDeadlines() });
  return { table, registry, upstreams, log, connect, settledCounts, endpoints, index };
}

test('a connect that times out is abandoned and retried on the other endpoint; its late answer is ignored', async () => {
  // The second attempt gets a second's timeout of its own: it is answered long before.
  const s = setup({ connectTimeoutMs: 1000, connectAttempts: 2 });
  s.connect();
  assert.is(s.upstreams.length, 1);
  await clock.advance(999);
  assert.is(s.upstreams.length, 1, 'not before the timeout');
  await clock.advance(1);
  assert.is(s.upstreams.length, 2, 'the timeout started a second attempt');
  const [first, second] = s.upstreams;
  assert.ok(first.aborted, "first aborted");
  assert.is.not(first.host, second.host);
  first.owner.connectDone(first, null); // too late: abandoned
  assert.is(first.spliced, null);
  second.owner.connectDone(second, null);
  assert.ok(second.spliced, "second spliced");
  assert.equal(s.settledCounts(), { registry: 1, global: 1, port: 1, deadlines: 0 });
  second.spliced!.onClose({ bytesIn: 12, bytesOut: 34, end: 'client-closed' });
  assert.equal(s.settledCounts(), { registry: 0, global: 0, port: 0, deadlines: 0 });
  assert.is(s.log.length, 1);
  assert.equal({ ...s.log[0], time: 0, durationMs: 0, connectMs: 0 },
    { time: 0, client: '127.0.0.9:5555', listener: '127.0.0.1:80', servicePort: 'default/web:http/TCP', endpoint: `${second.host}:80`,
      endpointName: second.host, bytesIn: 12, bytesOut: 34, connectMs: 0, durationMs: 0, attempts: 2, end: 'client-closed' });
});

test('every attempt failing resets the client and gives back what it held', async () => {
  const s = setup({ connectTimeoutMs: 5000, connectAttempts: 2 });
  const c = s.connect();
  s.upstreams[0].owner.connectDone(s.upstreams[0], 'ECONNREFUSED');
  assert.is(s.upstreams.length, 2);
  s.upstreams[1].owner.connectDone(s.upstreams[1], 'ECONNREFUSED');
  assert.is(c.ended, 'reset');
  assert.ok(s.upstreams.every((u) => u.aborted));
  assert.equal(s.settledCounts(), { registry: 0, global: 0, port: 0, deadlines: 0 });
  assert.equal([s.log[0].end, s.log[0].attempts, s.log[0].error], ['connect-failed', 2, 'ECONNREFUSED']);
});

test('a local error (EMFILE, ENOBUFS, no local port) is not the endpoint\'s: no failure counted, no retry, the client refused', async () => {
  for (const code of ['EMFILE', 'ENFILE', 'ENOBUFS', 'EADDRNOTAVAIL']) {
    const s = setup({ connectAttempts: 3 });
    const c = s.connect();
    const u = s.upstreams[0];
    u.owner.connectDone(u, code);
    const slot = s.endpoints.find((e) => e.host === u.host)!.slot;
    assert.is(s.upstreams.length, 1, `${code}: no retry`);
    assert.is(c.ended, 'reset');
    assert.equal([s.table.consecutiveFailures(slot), s.table.totalConnectFailures(slot)], [0, 0], `${code}: not counted against the endpoint`);
    assert.is(s.table.refusals(s.index, 'localError'), 1);
    assert.equal(s.settledCounts(), { registry: 0, global: 0, port: 0, deadlines: 0 });
    assert.equal([s.log[0].end, s.log[0].error], ['local-error', code]);
  }
});

test('a drain that cuts a connecting connection resets the client, abandons the attempt and releases it', async () => {
  const s = setup();
  const c = s.connect();
  assert.equal(s.settledCounts(), { registry: 1, global: 1, port: 1, deadlines: 1 });
  await s.registry.drainAll(0);
  assert.is(c.ended, 'reset');
  assert.ok(s.upstreams[0].aborted);
  s.upstreams[0].owner.connectDone(s.upstreams[0], null); // the cancelled connect's answer
  assert.is(s.upstreams[0].spliced, null);
  assert.equal(s.settledCounts(), { registry: 0, global: 0, port: 0, deadlines: 0 });
  assert.is(s.log[0].end, 'drained');
});

test('an established connection counts under its endpoint slot, and a drain of that slot closes its splice', async () => {
  const s = setup();
  s.connect();
  const u = s.upstreams[0];
  u.owner.connectDone(u, null);
  const slot = s.endpoints.find((e) => e.host === u.host)!.slot;
  assert.is(s.table.active(slot), 1);
  // Draining the other slot leaves it; draining its own cuts it.
  const other = s.endpoints.find((e) => e.slot !== slot)!.slot;
  assert.is(s.registry.drainSlots(0, new Set([slot]), 0), 0);
  assert.is(s.registry.drainSlots(0, new Set([other]), 0), 1);
  assert.is(s.table.active(slot), 0);
  assert.equal(s.settledCounts(), { registry: 0, global: 0, port: 0, deadlines: 0 });
  assert.is(s.log[0].end, 'drained');
});

test.run();
