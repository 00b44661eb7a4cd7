import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AffinityGroups } from '../../src/proxy/affinity-groups.ts';

test('a Service\'s ports of one number share a key; the key is forgotten and reused when its last port goes', () => {
  const forgotten: number[] = [];
  const g = new AffinityGroups(100, (k) => forgotten.push(k));
  const tcp53 = g.keyFor('default/dns', 53, 4);
  assert.is(g.keyFor('default/dns', 53, 5), tcp53, '53/UDP beside 53/TCP');
  const other = g.keyFor('default/dns', 8053, 6);
  const elsewhere = g.keyFor('default/web', 53, 7);
  assert.equal([tcp53, other, elsewhere], [100, 101, 102], 'keys start above the port indexes');
  assert.is(g.keyFor('default/dns', 53, 4), tcp53, 'stable across re-publishes');
  g.release(4);
  assert.equal(forgotten, [], 'the UDP port still uses the key');
  g.release(5);
  assert.equal(forgotten, [100]);
  assert.is(g.keyFor('default/new', 1, 8), 100, 'a freed key is reused after its entries were forgotten');
  // A port whose number changes moves to the other group.
  assert.is(g.keyFor('default/dns', 9053, 6), 101, 'its old key was forgotten first, so it may be taken again');
  assert.equal(forgotten, [100, 101]);
});

test.run();
