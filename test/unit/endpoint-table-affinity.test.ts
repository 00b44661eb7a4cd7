import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import type { DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { EJECTED } from '../../src/shared/slot-state.ts';

const ep = (i: number, extra: Partial<DesiredEndpoint> = {}): DesiredEndpoint =>
  ({ ip: `10.0.0.${i}`, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}`, ...extra });

function setup(affinitySeconds: number, algorithm = 'round-robin') {
  const clock = { now: 5000 };
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 2, affinityEntries: 256 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const endpoints = slots.update(port, [ep(0), ep(1), ep(2)]);
  const picker = createEndpointPicker(table, { random: seededRandom(3), nowSeconds: () => clock.now });
  const install = (eps = endpoints) => picker.setServicePort({
    index: port, name: 'default/web:http/TCP', generation: 1, endpoints: eps,
    options: { algorithm, affinitySeconds, proxyProtocol: 0, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 3, maxConnections: 0 },
  });
  install();
  const from = (ip: string, tried: number[] = []) => picker.pick(port, ip, tried)?.name ?? null;
  return { clock, table, slots, port, picker, endpoints, install, from };
}

test('without affinity the same client is spread round-robin', () => {
  const s = setup(0);
  assert.equal([s.from('1.1.1.1'), s.from('1.1.1.1'), s.from('1.1.1.1')], ['e0', 'e1', 'e2']);
});

test('a client sticks to its endpoint; other clients keep being balanced', () => {
  const s = setup(60);
  assert.is(s.from('1.1.1.1'), 'e0');
  assert.is(s.from('1.1.1.1'), 'e0');
  assert.is(s.from('2.2.2.2'), 'e1');
  assert.is(s.from('::ffff:1.1.1.1'), 'e0');
  assert.is(s.from('2.2.2.2'), 'e1');
  assert.is(s.from('3.3.3.3'), 'e2');
});

test('the timer restarts at every new connection and expires after timeoutSeconds without one', () => {
  const s = setup(10);
  assert.is(s.from('1.1.1.1'), 'e0');
  s.clock.now += 9;
  assert.is(s.from('1.1.1.1'), 'e0');
  s.clock.now += 10;
  assert.is(s.from('1.1.1.1'), 'e0', 'refreshed 10 whole seconds ago: maybe less in real time, not expired');
  s.clock.now += 11;
  assert.is(s.from('1.1.1.1'), 'e1', 'expired: balanced again (cursor moved on)');
  assert.is(s.from('1.1.1.1'), 'e1', 'and remembered anew');
});

test('a one-second timeout survives a second boundary between two connections', () => {
  const s = setup(1);
  s.clock.now = 100.95;
  assert.is(s.from('1.1.1.1'), 'e0');
  s.clock.now = 101.05; // 0.1 s later, the next whole second
  assert.is(s.from('1.1.1.1'), 'e0');
  s.clock.now = 103.1; // 2 s without a connection
  assert.is(s.from('1.1.1.1'), 'e1');
});

test('an unusable remembered endpoint falls back to another, which is then remembered', () => {
  const s = setup(60);
  assert.is(s.from('1.1.1.1'), 'e0');
  s.slots.setFlags('10.0.0.0', 80, EJECTED, 0);
  // The rotation over the usable e1, e2 at cursor 1: e2.
  assert.is(s.from('1.1.1.1'), 'e2');
  s.slots.setFlags('10.0.0.0', 80, 0, EJECTED);
  assert.is(s.from('1.1.1.1'), 'e2');
  // Retry after a failed connect: the remembered endpoint is in `tried`; the next turn (cursor 2) is
  // e2 again, tried, so the one after (cursor 3): e0.
  assert.is(s.from('1.1.1.1', [s.endpoints[2].slot]), 'e0');
  assert.is(s.from('1.1.1.1'), 'e0');
});

test('the remembered endpoint is honoured only while it is in the current snapshot with the same generation', () => {
  const s = setup(60);
  assert.is(s.from('1.1.1.1'), 'e0');
  s.install(s.slots.update(s.port, [ep(1), ep(2)]));
  assert.is(s.from('1.1.1.1'), 'e2');
});

test('a freed and reused slot with a new generation is not followed by a stale affinity entry', () => {
  const table = createEndpointTable({ maxSlots: 2, maxServicePorts: 1, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const picker = createEndpointPicker(table, { nowSeconds: () => 100, random: seededRandom(1) });
  const options = { algorithm: 'round-robin', affinitySeconds: 600, proxyProtocol: 0 as const, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0 };
  picker.setServicePort({ index: port, name: 'x', generation: 1, options, endpoints: slots.update(port, [ep(0), ep(1)]) });
  assert.is(picker.pick(port, '7.7.7.7', [])!.name, 'e0');
  picker.setServicePort({ index: port, name: 'x', generation: 2, options, endpoints: slots.update(port, [ep(1)]) });
  slots.sweep();
  const eps = slots.update(port, [ep(1), ep(5)]);
  assert.is(eps[1].slot, 0, 'e5 reuses e0 slot');
  picker.setServicePort({ index: port, name: 'x', generation: 3, options, endpoints: eps });
  // Cursor 1 → e5 for a new client; then 7.7.7.7's entry names slot 0 with the old generation, so it
  // is balanced (cursor 2 → e1) instead of following the stale entry to slot 0's new occupant.
  assert.is(picker.pick(port, '9.9.9.9', [])!.name, 'e5');
  assert.is(picker.pick(port, '7.7.7.7', [])!.name, 'e1');
  assert.is(picker.pick(port, '7.7.7.7', [])!.name, 'e1', 'now remembered');
});

test('addresses that are not IPs get no affinity but are still served', () => {
  const s = setup(60);
  assert.equal([s.from('unix'), s.from('unix')], ['e0', 'e1']);
});

test.run();
