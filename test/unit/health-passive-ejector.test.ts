import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { PassiveEjector } from '../../src/health/passive-ejector.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { EJECTED, READY } from '../../src/shared/slot-state.ts';

function setup(options = {}) {
  const slots = createEndpointSlots(createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 8 }));
  const index = slots.allocServicePort();
  const backends = [{ ip: '127.0.0.1', port: 8001 }, { ip: '127.0.0.1', port: 8002 }];
  slots.update(index, backends.map((b) => ({ ...b, ready: true, serving: true, terminating: false, weight: 1, name: `${b.port}` })));
  const ejector = new PassiveEjector(slots, { consecutiveFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 25_000, ...options });
  ejector.setBackends(backends, 0);
  const slot = slots.slotOf('127.0.0.1', 8001)!;
  const fail = (n: number) => { for (let i = 0; i < n; i++) slots.table.connectFailed(slot); };
  const flags = () => slots.table.flags(slot);
  return { slots, ejector, slot, fail, flags };
}

const never = () => false;
const always = () => true;

test('ejects after N consecutive connect failures and sets EJECTED', () => {
  const { ejector, fail, flags } = setup();
  fail(2);
  assert.equal(ejector.tick(1_000, never), []);
  fail(1);
  const changes = ejector.tick(2_000, never);
  assert.equal(changes, [{ ip: '127.0.0.1', port: 8001, ejected: true, failures: 3, durationMs: 10_000 }]);
  assert.ok(flags() & EJECTED);
  assert.ok(flags() & READY, 'conditions are left alone');
  assert.ok(ejector.isEjected('127.0.0.1', 8001));
  assert.not.ok(ejector.isEjected('127.0.0.1', 8002));
});

test('a probe success ends an ejection early only after the probe itself failed', () => {
  const { ejector, fail, flags } = setup();
  fail(3);
  ejector.tick(0, always);
  assert.ok(flags() & EJECTED);
  assert.is(ejector.probeSucceeded('127.0.0.1', 8001, 1_000), undefined, 'a probe that never failed waits for the time');
  ejector.probeFailed('127.0.0.1', 8001);
  assert.equal(ejector.probeSucceeded('127.0.0.1', 8001, 2_000), { ip: '127.0.0.1', port: 8001, ejected: false });
  assert.is(flags() & EJECTED, 0);
});

test('failures that are not consecutive never eject', () => {
  const { ejector, fail, slots, slot, flags } = setup();
  for (let i = 0; i < 50; i++) {
    fail(2);
    slots.table.connectSucceeded(slot);
    assert.equal(ejector.tick(i * 1_000, never), []);
  }
  assert.is(flags() & EJECTED, 0);
});

test('without an active probe the endpoint returns when its time is up; back-off grows and is capped', () => {
  const { ejector, fail, flags } = setup();
  fail(3);
  assert.is(ejector.tick(0, never)[0].durationMs, 10_000);
  assert.equal(ejector.tick(9_999, never), []);
  assert.equal(ejector.tick(10_000, never), [{ ip: '127.0.0.1', port: 8001, ejected: false }]);
  assert.is(flags() & EJECTED, 0);
  // The old failures do not count again: the consecutive counter was never reset (no traffic).
  assert.equal(ejector.tick(11_000, never), []);
  fail(3);
  assert.is(ejector.tick(12_000, never)[0].durationMs, 20_000);
  ejector.tick(32_000, never);
  fail(3);
  assert.is(ejector.tick(33_000, never)[0].durationMs, 25_000, 'capped at maxEjectionMs');
});

test('with an active probe: stays out after its time until the next probe success', () => {
  const { ejector, fail, flags } = setup();
  fail(3);
  ejector.tick(0, always);
  assert.is(ejector.probeSucceeded('127.0.0.1', 8001, 5_000), undefined, 'too early');
  assert.equal(ejector.tick(20_000, always), []);
  assert.ok(flags() & EJECTED);
  assert.equal(ejector.probeSucceeded('127.0.0.1', 8001, 20_500), { ip: '127.0.0.1', port: 8001, ejected: false });
  assert.is(flags() & EJECTED, 0);
});

test('the ejection count decays while the endpoint stays in', () => {
  const { ejector, fail } = setup();
  fail(3);
  ejector.tick(0, never);
  ejector.tick(10_000, never); // back in
  ejector.tick(20_000, never); // a base period in without ejection: count 1 → 0
  fail(3);
  assert.is(ejector.tick(21_000, never)[0].durationMs, 10_000);
});

test('active-down manual endpoints carry the flag; leaving the backend set clears it', () => {
  const { ejector, flags } = setup();
  ejector.setActiveDown('127.0.0.1', 8001, true, 0);
  assert.ok(flags() & EJECTED);
  ejector.setActiveDown('127.0.0.1', 8001, false, 0);
  assert.is(flags() & EJECTED, 0);
  ejector.setActiveDown('127.0.0.1', 8001, true, 0);
  ejector.setBackends([{ ip: '127.0.0.1', port: 8002 }], 0);
  assert.is(flags() & EJECTED, 0);
});

test('disabled: counts are read but nothing is ejected', () => {
  const { ejector, fail, flags } = setup({ enabled: false });
  fail(10);
  assert.equal(ejector.tick(0, never), []);
  assert.is(flags() & EJECTED, 0);
});

test.run();
