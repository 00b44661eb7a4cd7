import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import type { DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { DRAINING, READY, SERVING, TERMINATING } from '../../src/shared/slot-state.ts';
import type { EndpointSnapshot } from '../../src/shared/messages.ts';
import type { ApiError } from '../../src/model/api-error.ts';

const ep = (i: number, extra: Partial<DesiredEndpoint> = {}): DesiredEndpoint =>
  ({ ip: `10.0.0.${i}`, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}`, ...extra });

const options = { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0 as const, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0 };
const snap = (index: number, endpoints: EndpointSnapshot[]) => ({ index, name: 'ns/svc:p/TCP', generation: 1, options, endpoints });

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return (e as ApiError).code; }
  return 'no error';
}

test('one slot per backend identity, shared across Service ports; flags and weight written', () => {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const a = s.allocServicePort();
  const b = s.allocServicePort();
  const sa = s.update(a, [ep(1, { weight: 5 }), ep(2, { ready: false, terminating: true })]);
  const sb = s.update(b, [ep(2, { ready: false, terminating: true }), ep(3)]);
  assert.equal(sa.map((e) => e.slot), [0, 1]);
  assert.equal(sb.map((e) => e.slot), [1, 2]);
  assert.equal(sa[0], { slot: 0, host: '10.0.0.1', port: 80, name: 'e1' });
  assert.is(table.weight(0), 5);
  assert.is(table.flags(0), READY | SERVING);
  assert.is(table.flags(1), SERVING | TERMINATING);
  assert.is(s.slotOf('10.0.0.2', 80), 1);
});

test('duplicates collapse to one endpoint, a non-terminating entry winning', () => {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 1, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const p = s.allocServicePort();
  const out = s.update(p, [ep(1, { ready: false, terminating: true, name: 'old' }), ep(1, { name: 'new' })]);
  assert.equal(out.map((e) => e.name), ['new']);
  assert.is(table.flags(out[0].slot), READY | SERVING);
});

test('a removed endpoint drains: no new picks, freed only when its active count is zero, reused last', () => {
  const table = createEndpointTable({ maxSlots: 3, maxServicePorts: 2, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const picker = createEndpointPicker(table);
  const p = s.allocServicePort();
  const first = s.update(p, [ep(1), ep(2)]);
  picker.setServicePort(snap(p, first));
  const e1 = first[0].slot;
  picker.opened(p, e1);
  s.update(p, [ep(2)]);
  assert.is(table.flags(e1) & DRAINING, DRAINING);
  assert.equal(s.drainingSlots(), [e1]);
  // A worker still holding the old snapshot never picks the draining endpoint.
  for (let k = 0; k < 4; k++) assert.is(picker.pick(p, '1.1.1.1', [])!.name, 'e2');
  assert.is(s.sweep(), 0);
  assert.is(s.slotOf('10.0.0.1', 80), e1);
  picker.closed(p, e1);
  assert.is(s.sweep(), 1);
  assert.is(s.slotOf('10.0.0.1', 80), undefined);
  assert.is(table.generation(e1), 1);
  // Never-used slots go first, then freed ones in the order they were freed.
  const next = s.update(p, [ep(2), ep(3), ep(4)]);
  assert.equal(next.map((e) => e.slot), [first[1].slot, 2, e1]);
  // The old snapshot names slot e1 with generation 0: the new occupant is not reachable through it.
  for (let k = 0; k < 4; k++) assert.is(picker.pick(p, '1.1.1.1', [])!.name, 'e2');
  picker.setServicePort(snap(p, next));
  assert.equal([0, 1, 2].map(() => picker.pick(p, '1.1.1.1', [])!.name).sort(), ['e2', 'e3', 'e4']);
});

test('a straggler connection opened on a freed slot does not corrupt its next occupant\'s count', () => {
  const table = createEndpointTable({ maxSlots: 1, maxServicePorts: 1, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const p = s.allocServicePort();
  const [old] = s.update(p, [ep(1)]);
  s.update(p, []);
  assert.is(s.sweep(), 1);
  table.slotOpened(old.slot); // a worker that picked e1 just before it drained
  const [fresh] = s.update(p, [ep(2)]);
  assert.is(fresh.slot, old.slot);
  table.slotClosed(old.slot);
  assert.is(table.active(fresh.slot), 0);
  s.update(p, []);
  assert.is(s.sweep(), 1);
});

test('re-adding a draining endpoint keeps its slot and its connections', () => {
  const table = createEndpointTable({ maxSlots: 2, maxServicePorts: 1, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const p = s.allocServicePort();
  const [e] = s.update(p, [ep(1)]);
  table.slotOpened(e.slot);
  s.update(p, []);
  const [again] = s.update(p, [ep(1)]);
  assert.is(again.slot, e.slot);
  assert.is(table.flags(e.slot), READY | SERVING);
  assert.is(table.active(e.slot), 1);
  assert.equal(s.drainingSlots(), []);
});

test('capacity exhaustion is SY_TABLE_FULL and changes nothing; bad weights are rejected', () => {
  const table = createEndpointTable({ maxSlots: 2, maxServicePorts: 1, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const p = s.allocServicePort();
  assert.is(code(() => s.allocServicePort()), 'SY_TABLE_FULL');
  s.update(p, [ep(1)]);
  assert.is(code(() => s.update(p, [ep(2), ep(3)])), 'SY_TABLE_FULL');
  assert.is(s.slotOf('10.0.0.2', 80), undefined);
  assert.is(table.flags(0), READY | SERVING);
  // A draining slot still occupies capacity until swept.
  table.slotOpened(0);
  s.update(p, [ep(2)]);
  assert.is(code(() => s.update(p, [ep(2), ep(3)])), 'SY_TABLE_FULL');
  table.slotClosed(0);
  s.sweep();
  assert.equal(s.update(p, [ep(2), ep(3)]).map((e) => e.slot), [1, 0]);
  assert.is(code(() => s.update(p, [ep(4, { weight: 70000 })])), 'SY_INVALID_WEIGHT');
  assert.is(code(() => s.update(p, [ep(4, { weight: 1.5 })])), 'SY_INVALID_WEIGHT');
  assert.is(code(() => s.update(3, [])), 'SY_UNKNOWN_SERVICE_PORT');
});

test('freeing a Service port drains its endpoints and recycles the region with zeroed counters', () => {
  const table = createEndpointTable({ maxSlots: 4, maxServicePorts: 1, affinityEntries: 8 });
  const s = createEndpointSlots(table);
  const p = s.allocServicePort();
  s.update(p, [ep(1)]);
  table.nextCursor(p);
  table.countRefusal(p, 'maxConnections');
  s.freeServicePort(p);
  assert.equal(s.drainingSlots(), [0]);
  assert.is(s.sweep(), 1);
  assert.is(s.allocServicePort(), p);
  assert.equal([table.nextCursor(p), table.refusals(p, 'maxConnections')], [0, 0]);
});

test.run();
