import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import type { DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import type { ApiError } from '../../src/model/api-error.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';

const ep = (i: number, extra: Partial<DesiredEndpoint> = {}): DesiredEndpoint =>
  ({ ip: `10.0.0.${i}`, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}`, ...extra });
const opts = (extra: Partial<ServicePortOptions> = {}): ServicePortOptions =>
  ({ algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0, ...extra });

function setup(options: ServicePortOptions, desired = [ep(0), ep(1)]) {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 2, affinityEntries: 8 });
  const slots = createEndpointSlots(table);
  const index = slots.allocServicePort();
  const picker = createEndpointPicker(table);
  const snapshot = { index, name: 'default/web:http/TCP', generation: 1, options, endpoints: slots.update(index, desired) };
  picker.setServicePort(snapshot);
  return { table, slots, index, picker, snapshot };
}

test('pick returns the snapshot endpoint; unknown Service ports and empty snapshots give null', () => {
  const s = setup(opts());
  assert.equal(s.picker.pick(s.index, '1.2.3.4', []), { slot: 0, host: '10.0.0.0', port: 80, name: 'e0' });
  assert.is(s.picker.servicePort(s.index), s.snapshot);
  assert.is(s.picker.pick(1, '1.2.3.4', []), null);
  assert.is(s.picker.hasUsable(1), false);
  s.picker.setServicePort({ ...s.snapshot, endpoints: [] });
  assert.is(s.picker.hasUsable(s.index), false);
  assert.is(s.picker.pick(s.index, '1.2.3.4', []), null);
  s.picker.removeServicePort(s.index);
  assert.is(s.picker.servicePort(s.index), undefined);
});

test('a snapshot with an unknown algorithm or an index outside the table is rejected', () => {
  const s = setup(opts());
  const err = (fn: () => void) => { try { fn(); return 'none'; } catch (e) { return (e as ApiError).code; } };
  assert.is(err(() => s.picker.setServicePort({ ...s.snapshot, options: opts({ algorithm: 'sticky' }) })), 'SY_UNKNOWN_ALGORITHM');
  assert.is(err(() => s.picker.setServicePort({ ...s.snapshot, index: 2 })), 'SY_TABLE_LAYOUT');
  assert.is(s.picker.servicePort(s.index), s.snapshot, 'the installed snapshot is kept');
});

test('opened/closed and connect results account on the shared slot and port counters', () => {
  const s = setup(opts());
  s.picker.opened(s.index, 1);
  s.picker.opened(s.index, 1);
  s.picker.closed(s.index, 1);
  s.picker.connectFailed(0);
  s.picker.connectFailed(0);
  assert.equal([s.table.active(1), s.table.totalConnections(1), s.table.portTotalConnections(s.index)], [1, 2, 2]);
  assert.equal([s.table.consecutiveFailures(0), s.table.totalConnectFailures(0)], [2, 2]);
  s.picker.connectSucceeded(0);
  assert.equal([s.table.consecutiveFailures(0), s.table.totalConnectFailures(0)], [0, 2]);
});

test('tryAdmit: global limit first, then the Service port limit; release frees both', () => {
  const s = setup(opts({ maxConnections: 2 }));
  assert.equal([s.picker.tryAdmit(s.index, 3), s.picker.tryAdmit(s.index, 3), s.picker.tryAdmit(s.index, 3)], ['ok', 'ok', 'service']);
  assert.equal([s.table.portActive(s.index), s.table.globalActive()], [2, 2]);
  s.table.addGlobalActive(1); // another Service port's connection
  assert.is(s.picker.tryAdmit(s.index, 3), 'global');
  assert.is(s.table.refusals(s.index, 'maxConnections'), 2);
  s.picker.release(s.index);
  assert.is(s.picker.tryAdmit(s.index, 0), 'ok', 'globalMax 0 = unlimited');
  assert.equal([s.table.portActive(s.index), s.table.globalActive()], [2, 3]);
});

test('the descriptor room: connections (two each) and UDP flows (one each) share it; the caps still hold', () => {
  const s = setup(opts());
  s.table.setDescriptorRoom(7);
  assert.equal([s.picker.tryAdmit(s.index, 0), s.picker.tryAdmit(s.index, 0), s.picker.tryAdmit(s.index, 0)], ['ok', 'ok', 'ok']);
  assert.is(s.picker.tryAdmit(s.index, 0), 'global', 'three connections hold 6 of 7');
  assert.is(s.picker.tryAdmitFlow(s.index, 0), true, 'one descriptor left: a flow fits');
  assert.is(s.picker.tryAdmitFlow(s.index, 0), false);
  s.picker.release(s.index);
  assert.equal([s.table.connectionRoom(), s.table.flowRoom()], [3, 3], 'a connection closed: room for 3 in all beside the flow, or 3 flows beside the 2 connections');
  assert.is(s.picker.tryAdmit(s.index, 2), 'global', '--max-connections 2 is lower than the room');
  assert.is(s.picker.tryAdmitFlow(s.index, 1), false, '--max-udp-flows 1 is lower than the room');
  s.table.setDescriptorRoom(-1);
  assert.equal([s.table.connectionRoom(), s.picker.tryAdmit(s.index, 0), s.picker.tryAdmitFlow(s.index, 0)], [Infinity, 'ok', true], 'no limit');
});

test('the Cluster policy: ready endpoints; when none is ready, serving-and-terminating ones; never the rest', () => {
  const a = ep(0);
  const b = ep(1, { ready: false, serving: true, terminating: true });
  const c = ep(2, { ready: false, serving: false, terminating: true });
  const d = ep(3, { ready: false, serving: false, terminating: false });
  const names = (desired: DesiredEndpoint[]) => {
    const s = setup(opts(), desired);
    return [...new Set(Array.from({ length: 8 }, () => s.picker.pick(s.index, '1.2.3.4', [])?.name ?? null))];
  };
  assert.equal(names([a, b, c, d]), ['e0']);
  assert.equal(names([b, c, d]), ['e1']);
  assert.equal(names([c, d]), [null]);
  assert.equal(names([]), [null]);
});

test.run();
