import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventLog, rfc3339 } from '../../src/control/event-log.ts';

test('repeats aggregate with count and first/last timestamps, and move to the end', () => {
  let now = Date.UTC(2026, 4, 1, 10, 0, 0, 250);
  const log = createEventLog({ clock: () => now });
  const web = { kind: 'Service', namespace: 'default', name: 'web' };
  log.record(web, 'Warning', 'NoEndpoints', 'no endpoints');
  now += 5000;
  log.record({ ...web, name: 'api' }, 'Normal', 'Bound', 'bound');
  now += 5000;
  log.record(web, 'Warning', 'NoEndpoints', 'no endpoints');
  const all = log.list();
  assert.equal(all.map((e) => e.involvedObject.name), ['api', 'web']);
  assert.is(all[1].count, 2);
  assert.is(all[1].firstTimestamp, '2026-05-01T10:00:00Z');
  assert.is(all[1].lastTimestamp, '2026-05-01T10:00:10Z');
  assert.is(all[1].source?.component, 'switchyard');
});

test('a different message is a different event; filters match kind case-insensitively', () => {
  const log = createEventLog({ clock: () => 0 });
  const ref = { kind: 'Pod', namespace: 'ns1', name: 'p' };
  log.record(ref, 'Warning', 'Unhealthy', 'probe failed: a');
  log.record(ref, 'Warning', 'Unhealthy', 'probe failed: b');
  log.record({ kind: 'Service', namespace: 'ns2', name: 'p' }, 'Normal', 'X', 'y');
  assert.is(log.list({ kind: 'pod' }).length, 2);
  assert.is(log.list({ namespace: 'ns2' }).length, 1);
  assert.is(log.list({ name: 'p' }).length, 3);
  assert.is(log.list({ namespace: 'ns1', name: 'q' }).length, 0);
});

test('the ring keeps the newest events only', () => {
  const log = createEventLog({ capacity: 3, clock: () => 0 });
  for (let i = 0; i < 5; i++) log.record({ kind: 'Pod', namespace: 'd', name: `p${i}` }, 'Normal', 'R', 'm');
  assert.equal(log.list().map((e) => e.involvedObject.name), ['p2', 'p3', 'p4']);
});

test('returned events are copies', () => {
  const log = createEventLog({ clock: () => 0 });
  log.record({ kind: 'Pod', namespace: 'd', name: 'p' }, 'Normal', 'R', 'm');
  log.list()[0].count = 99;
  assert.is(log.list()[0].count, 1);
  assert.is(rfc3339(Date.UTC(2026, 0, 1, 0, 0, 1, 999)), '2026-01-01T00:00:01Z');
});

test.run();
