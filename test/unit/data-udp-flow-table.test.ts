import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UdpFlowTable } from '../../src/data/udp-flow-table.ts';
import { seededRandom } from '../../src/balancers/seeded-random.ts';

test('keys are listener, address and port; IPv4 and its IPv4-mapped form are one client', () => {
  const t = new UdpFlowTable<string>();
  assert.ok(t.set(0, '10.0.0.1', 53, 'a'));
  assert.ok(t.set(1, '10.0.0.1', 53, 'b'));
  assert.ok(t.set(0, '10.0.0.1', 54, 'c'));
  assert.ok(t.set(0, '2001:db8::1', 53, 'd'));
  assert.equal([t.get(0, '10.0.0.1', 53), t.get(1, '10.0.0.1', 53), t.get(0, '10.0.0.1', 54), t.get(0, '2001:db8::1', 53)], ['a', 'b', 'c', 'd']);
  assert.is(t.get(0, '::ffff:10.0.0.1', 53), 'a');
  assert.is(t.get(0, '10.0.0.2', 53), undefined);
  assert.is(t.size, 4);
  assert.not.ok(t.set(0, 'not-an-ip', 1, 'x'));
  assert.is(t.get(0, 'not-an-ip', 1), undefined);
});

test('delete removes only the value it names', () => {
  const t = new UdpFlowTable<object>();
  const old = {};
  const fresh = {};
  t.set(3, '127.0.0.1', 9, old);
  t.set(3, '127.0.0.1', 9, fresh);
  assert.is(t.size, 1);
  assert.not.ok(t.delete(3, '127.0.0.1', 9, old), 'a newer flow under the same key stays');
  assert.is(t.get(3, '127.0.0.1', 9), fresh);
  assert.ok(t.delete(3, '127.0.0.1', 9, fresh));
  assert.is(t.size, 0);
});

test('random inserts and deletes agree with a Map, through growth and backward-shift deletion', () => {
  const random = seededRandom(7);
  const t = new UdpFlowTable<number>(64);
  const ref = new Map<string, number>();
  for (let step = 0; step < 40_000; step++) {
    // A small key space so that entries collide, wrap around the table end and are deleted in runs.
    const listener = Math.floor(random() * 3);
    const address = `127.0.${Math.floor(random() * 4)}.${Math.floor(random() * 50)}`;
    const port = 1000 + Math.floor(random() * 20);
    const key = `${listener}|${address}|${port}`;
    const r = random();
    if (r < 0.5) { t.set(listener, address, port, step); ref.set(key, step); }
    else if (r < 0.9) {
      const had = ref.get(key);
      assert.is(t.delete(listener, address, port, had ?? -1), had !== undefined);
      ref.delete(key);
    } else assert.is(t.get(listener, address, port), ref.get(key), key);
    if (step % 5000 === 0) {
      for (const [k, v] of ref) {
        const [l, a, p] = k.split('|');
        assert.is(t.get(Number(l), a, Number(p)), v, `step ${step}: ${k}`);
      }
    }
  }
  assert.is(t.size, ref.size);
  for (const [k, v] of ref) {
    const [l, a, p] = k.split('|');
    assert.is(t.get(Number(l), a, Number(p)), v);
  }
});

test.run();
