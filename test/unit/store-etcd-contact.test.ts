// When the etcd store counts itself in contact with a majority (its status(), /readyz): answers
// that need a majority, a reconnected watch that proves nothing, silence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EtcdContact, SILENT_MS } from '../../src/store/etcd-contact.ts';

function rig() {
  let t = 1_000;
  const c = new EtcdContact(() => t);
  return { c, advance: (ms: number) => { t += ms; } };
}

test('ready once the watch is connected, while answers keep coming; silence for SILENT_MS is not ready', () => {
  const { c, advance } = rig();
  assert.is(c.state().ready, false, 'no watch yet');
  c.watchConnected();
  assert.equal(c.state(), { ready: true, silentMs: 0 });
  advance(SILENT_MS - 1);
  assert.is(c.state().ready, true);
  c.answered();
  advance(SILENT_MS - 1);
  assert.is(c.state().ready, true);
  advance(1);
  assert.equal(c.state(), { ready: false, silentMs: SILENT_MS });
  c.answered();
  assert.is(c.state().ready, true, 'an answer after the silence');
});

test('a watch lost and connected again (to a member without a majority) is not ready until an answer follows', () => {
  const { c, advance } = rig();
  c.watchConnected();
  c.answered();
  advance(100);
  c.watchLost(new Error('The etcd watch stream was unexpectedly ended'));
  assert.is(c.state().ready, false, 'lost');
  advance(100);
  c.watchConnected();
  assert.is(c.state().ready, false, 'connected again, but nothing answered since the loss');
  c.failed(new Error('DEADLINE_EXCEEDED'));
  advance(SILENT_MS);
  assert.equal(c.state(), { ready: false, silentMs: SILENT_MS + 200 });
  assert.is(c.lastError, 'DEADLINE_EXCEEDED');
  c.answered();
  assert.is(c.state().ready, true, 'the majority answered');
});

test('an answer while the watch is still lost is not ready until the watch connects again', () => {
  const { c, advance } = rig();
  c.watchConnected();
  c.watchLost(new Error('cancelled'));
  advance(50);
  c.answered();
  assert.is(c.state().ready, false);
  c.watchConnected();
  assert.is(c.state().ready, true);
});

test.run();
