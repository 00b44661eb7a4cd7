import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnectionRegistry, HANDSHAKE, type LiveConnection } from '../../src/data/connection-registry.ts';
import type { SpliceEnd } from '../../src/data/splice-types.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

interface Conn extends LiveConnection { closed: SpliceEnd[] }

function conn(servicePortIndex: number, slot: number): Conn {
  const c: Conn = { servicePortIndex, slot, closed: [], close(r) { c.closed.push(r); } };
  return c;
}

test('add, move and delete count each connection once; a drain resolves only when the last leaves', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const a = conn(0, HANDSHAKE);
  reg.add(a);
  reg.add(a); // twice: counted once
  assert.is(reg.size, 1);
  let drained = false;
  const done = reg.drainAll(60_000).then(() => { drained = true; });
  a.slot = 7;
  reg.move(a); // handshake → slot 7: never zero in between
  await clock.advance(5);
  assert.is(reg.size, 1);
  assert.not.ok(drained);
  reg.delete(a); // found in slot 7's group, where it moved
  await done;
  assert.is(reg.size, 0);
  reg.delete(a); // not registered any more: nothing happens
  assert.is(reg.size, 0);
});

test('a connection that ends before its move leaves from the handshake group', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const a = conn(0, HANDSHAKE);
  reg.add(a);
  a.slot = 3; // the splice already names the slot, and ends at once
  reg.delete(a);
  assert.is(reg.size, 0);
  reg.move(a); // too late: not registered, stays out
  assert.is(reg.size, 0);
  await reg.drainAll(60_000);
});

test('drainSlots cuts connections on slots outside the snapshot after the timeout, never handshaking ones', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const kept = conn(0, 1);
  const gone = conn(0, 2);
  const shaking = conn(0, HANDSHAKE);
  const otherPort = conn(1, 2);
  for (const c of [kept, gone, shaking, otherPort]) reg.add(c);
  assert.is(reg.drainSlots(0, new Set([1]), 30), 1);
  // A straggler reaching slot 2 while it drains is cut with the others.
  shaking.slot = 2;
  reg.move(shaking);
  await clock.advance(29);
  assert.equal(gone.closed, [], 'not before the timeout');
  await clock.advance(1);
  assert.equal(gone.closed, ['drained']);
  assert.equal(shaking.closed, ['drained']);
  assert.equal(kept.closed, []);
  assert.equal(otherPort.closed, []);
});

test('a slot back in the snapshot cancels its drain; an emptied idle group is reused', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const a = conn(0, 4);
  reg.add(a);
  reg.drainSlots(0, new Set(), 30);
  reg.drainSlots(0, new Set([4]), 30);
  await clock.advance(60);
  assert.equal(a.closed, []);
  reg.delete(a);
  const b = conn(0, 4);
  reg.add(b);
  assert.is(reg.size, 1);
  assert.is(reg.drainSlots(0, new Set(), 0), 1);
  assert.equal(b.closed, ['drained']);
  reg.delete(b);
  assert.is(reg.size, 0);
  // A slot with no connections left is forgotten by the drain, and a later one starts afresh.
  assert.is(reg.drainSlots(0, new Set(), 0), 0);
  const c = conn(0, 4);
  reg.add(c);
  assert.is(reg.size, 1);
  assert.equal(c.closed, []);
});

test('a removed Service port cuts its connections after the timeout, one reaching its slot later included', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const open = conn(0, 1);
  const shaking = conn(0, HANDSHAKE);
  reg.add(open);
  reg.add(shaking);
  assert.is(reg.drainServicePort(0, 30), 2);
  shaking.slot = 5;
  reg.move(shaking); // stays with the removed port's connections
  // A new Service port on the same index is not touched by that cut.
  const newcomer = conn(0, 5);
  reg.add(newcomer);
  await clock.advance(29);
  assert.equal(open.closed, [], 'not before the timeout');
  await clock.advance(1);
  assert.equal(open.closed, ['drained']);
  assert.equal(shaking.closed, ['drained']);
  assert.equal(newcomer.closed, []);
  for (const c of [open, shaking, newcomer]) reg.delete(c);
  assert.is(reg.size, 0);
});

test('after drainAll has cut everything, a connection added or moved is cut at once', async () => {
  const clock = new FakeClock();
  const reg = createConnectionRegistry(clock);
  const a = conn(0, HANDSHAKE);
  reg.add(a);
  const done = reg.drainAll(0);
  assert.equal(a.closed, ['drained']);
  a.slot = 2;
  reg.move(a);
  assert.equal(a.closed, ['drained', 'drained']);
  const late = conn(0, 3);
  reg.add(late);
  assert.equal(late.closed, ['drained']);
  reg.delete(a);
  reg.delete(late);
  await done;
});

test.run();
