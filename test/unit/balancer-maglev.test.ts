// Maglev: table size, agreement between independent pickers (another instance, another endpoint
// order), weights, the disruption an endpoint change causes, and unusable endpoints skipped the
// same way everywhere. Clients are seeded-random addresses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildMaglevTable, isPrime, tableSize } from '../../src/balancers/maglev.ts';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createEndpointSlots, type DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { EJECTED } from '../../src/shared/slot-state.ts';

const ep = (i: number, weight = 1): DesiredEndpoint => ({ ip: `10.0.${i >> 8}.${i & 255}`, port: 8080, ready: true, serving: true, terminating: false, weight, name: `e${i}` });

/** One instance's data plane for a Service port with `desired` endpoints, picking by client address. */
function instance(desired: DesiredEndpoint[]) {
  const table = createEndpointTable({ maxSlots: 4096, maxServicePorts: 4, affinityEntries: 64 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const install = (d: DesiredEndpoint[], generation: number) => {
    picker.setServicePort({
      index: port, name: 'default/web:http/TCP', generation, endpoints: slots.update(port, d),
      options: { algorithm: 'maglev', affinitySeconds: 10800, proxyProtocol: 0, connectTimeoutMs: 1000, idleTimeoutMs: 1000, connectAttempts: 3, maxConnections: 0 },
    });
  };
  const picker = createEndpointPicker(table, { random: seededRandom(7) });
  install(desired, 1);
  return {
    pick: (client: string) => picker.pick(port, client, [])?.name ?? null,
    update: (d: DesiredEndpoint[]) => install(d, 2),
    slots, table, port,
  };
}

const clients = (n: number, seed: number) => {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => `198.${18 + Math.floor(r() * 2)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`);
};

test('the table is a prime of at least 100 entries per endpoint, from a fixed ladder', () => {
  for (const n of [1, 2, 3, 10, 97, 1000]) {
    const m = tableSize(n);
    assert.ok(isPrime(m) && m >= 100 * n, `${n} → ${m}`);
  }
  assert.is(tableSize(3), 65537);
  assert.is(tableSize(655), 65537, 'one size up to 655 endpoints: adding one never reshuffles');
  assert.ok(tableSize(656) > 65537);
  assert.is(tableSize(999), tableSize(1000), 'one endpoint more or less keeps the size');
  const t = buildMaglevTable([0, 5, 9], [1, 3, 7], [1, 1, 1], 307);
  assert.ok(t.every((i) => i >= 0 && i < 3), 'every entry filled');
});

test('two instances, endpoints listed in another order, send every client to the same endpoint', () => {
  const eps = Array.from({ length: 12 }, (_, i) => ep(i));
  const a = instance(eps);
  const b = instance([...eps].reverse());
  const cs = clients(2000, 1);
  const spread = new Map<string, number>();
  for (const c of cs) {
    const x = a.pick(c);
    assert.is(b.pick(c), x, c);
    assert.is(a.pick(c), x, 'stable for the same client');
    spread.set(x!, (spread.get(x!) ?? 0) + 1);
  }
  assert.is(spread.size, 12, 'every endpoint gets clients');
  for (const [, k] of spread) assert.ok(k > 2000 / 12 / 2 && k < (2000 / 12) * 2, `balanced: ${[...spread.values()]}`);
});

test('weights are honoured: entries and clients in proportion', () => {
  const t = buildMaglevTable([0, 11, 22], [1, 5, 13], [1, 2, 3], 601);
  const n = [0, 0, 0];
  for (const i of t) n[i]++;
  assert.ok(Math.abs(n[0] - 100) <= 1 && Math.abs(n[1] - 200) <= 1 && Math.abs(n[2] - 300) <= 2, `${n}`);
  const a = instance([ep(0, 1), ep(1, 3)]);
  const counts: Record<string, number> = {};
  for (const c of clients(4000, 2)) { const x = a.pick(c)!; counts[x] = (counts[x] ?? 0) + 1; }
  const ratio = counts.e1 / counts.e0;
  assert.ok(ratio > 2.4 && ratio < 3.7, `e1/e0 = ${ratio}`);
  const backups = instance([ep(0, 0), ep(1, 2), ep(2, 1)]);
  for (const c of clients(300, 3)) assert.is.not(backups.pick(c), 'e0', 'weight 0 is a backup');
});

test('removing one of 20 endpoints moves its clients and almost nobody else', () => {
  const eps = Array.from({ length: 20 }, (_, i) => ep(i));
  const a = instance(eps);
  const cs = clients(5000, 4);
  const before = cs.map((c) => a.pick(c));
  a.update(eps.filter((e) => e.name !== 'e7'));
  const after = cs.map((c) => a.pick(c));
  let moved = 0;
  let movedOthers = 0;
  for (let k = 0; k < cs.length; k++) {
    if (before[k] === after[k]) continue;
    moved++;
    if (before[k] !== 'e7') movedOthers++;
  }
  const ofRemoved = before.filter((x) => x === 'e7').length;
  assert.ok(after.every((x) => x !== 'e7'));
  assert.ok(moved >= ofRemoved, 'the removed endpoint\'s clients all moved');
  assert.ok(movedOthers / cs.length < 0.03, `others moved: ${movedOthers} of ${cs.length}`);
  // Adding it back restores the original mapping exactly (the table is a function of the set).
  a.update(eps);
  assert.equal(cs.map((c) => a.pick(c)), before);
});

test('adding an endpoint to a small set moves clients only to it, about its share', () => {
  for (const n of [3, 10, 40]) {
    const eps = Array.from({ length: n }, (_, i) => ep(i));
    const a = instance(eps);
    const cs = clients(5000, 6 + n);
    const before = cs.map((c) => a.pick(c));
    a.update([...eps, ep(n)]);
    const after = cs.map((c) => a.pick(c));
    let toNew = 0;
    let elsewhere = 0;
    for (let k = 0; k < cs.length; k++) {
      if (before[k] === after[k]) continue;
      if (after[k] === `e${n}`) toNew++; else elsewhere++;
    }
    const share = cs.length / (n + 1);
    assert.ok(toNew > share / 2 && toNew < share * 2, `${n} + 1: ${toNew} moved to the new endpoint, its share ${share}`);
    assert.ok(elsewhere / cs.length < 0.03, `${n} + 1: ${elsewhere} of ${cs.length} moved between old endpoints`);
  }
});

test('an unusable endpoint\'s clients go elsewhere, the same way on every instance; the rest stay', () => {
  const eps = Array.from({ length: 8 }, (_, i) => ep(i));
  const a = instance(eps);
  const b = instance(eps);
  const cs = clients(1000, 5);
  const before = cs.map((c) => a.pick(c));
  for (const inst of [a, b]) inst.slots.setFlags('10.0.0.3', 8080, EJECTED, 0);
  for (let k = 0; k < cs.length; k++) {
    const x = a.pick(cs[k]);
    assert.is(b.pick(cs[k]), x);
    if (before[k] !== 'e3') assert.is(x, before[k]);
    else assert.is.not(x, 'e3');
  }
});

test.run();
