import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { balancerNames, getBalancer } from '../../src/balancers/registry.ts';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { weightStride } from '../../src/balancers/weighted-round-robin.ts';
import { EXACT_LIMIT, SAMPLE } from '../../src/balancers/least-loaded.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import type { DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { ADMIN_DOWN, EJECTED } from '../../src/shared/slot-state.ts';
import type { ApiError } from '../../src/model/api-error.ts';

function ep(i: number, extra: Partial<DesiredEndpoint> = {}): DesiredEndpoint {
  return { ip: `10.0.0.${i}`, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}`, ...extra };
}

function setup(algorithm: string, desired: DesiredEndpoint[], seed = 1) {
  const table = createEndpointTable({ maxSlots: 64, maxServicePorts: 4, affinityEntries: 64 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const endpoints = slots.update(port, desired);
  const picker = createEndpointPicker(table, { random: seededRandom(seed), nowSeconds: () => 1000 });
  picker.setServicePort({
    index: port, name: 'default/web:http/TCP', generation: 1, endpoints,
    options: { algorithm, affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1000, idleTimeoutMs: 1000, connectAttempts: 3, maxConnections: 0 },
  });
  const pick = (tried: number[] = []) => picker.pick(port, '192.0.2.1', tried);
  const names = (k: number, open = false) => Array.from({ length: k }, () => {
    const r = pick();
    if (r && open) picker.opened(port, r.slot);
    return r ? r.name : null;
  });
  return { table, slots, port, picker, endpoints, pick, names };
}

const counts = (xs: (string | null)[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [String(x)]: (m[String(x)] ?? 0) + 1 }), {});

test('registry lists every algorithm and rejects unknown names with SY_UNKNOWN_ALGORITHM', () => {
  assert.equal(balancerNames(), ['least-connections', 'maglev', 'random', 'round-robin', 'weighted-least-connections', 'weighted-random', 'weighted-round-robin']);
  assert.is(getBalancer('random').name, 'random');
  try { getBalancer('fastest'); assert.unreachable(); } catch (e) {
    assert.is((e as ApiError).code, 'SY_UNKNOWN_ALGORITHM');
    assert.match((e as Error).message, /"fastest".*least-connections, maglev, random, round-robin, weighted-least-connections, weighted-random, weighted-round-robin/);
  }
});

test('seeded random generator is pinned (mulberry32)', () => {
  const r = seededRandom(42);
  const xs = [r(), r(), r()].map((x) => Math.floor(x * 1e6));
  const again = seededRandom(42);
  assert.equal([again(), again(), again()].map((x) => Math.floor(x * 1e6)), xs);
  assert.equal(xs, PINNED_42);
});

test('round-robin: exact sequence, rotates over the usable ones, falls back to serving+terminating', () => {
  const s = setup('round-robin', [ep(0), ep(1), ep(2)]);
  assert.equal(s.names(7), ['e0', 'e1', 'e2', 'e0', 'e1', 'e2', 'e0']);
  s.slots.update(s.port, [ep(0), ep(1, { ready: false }), ep(2)]);
  // e1 is not ready: the rotation is e0, e2 (cursor 7 → member 7 mod 2 = e2), not e1's turn to e2.
  assert.equal(s.names(6), ['e2', 'e0', 'e2', 'e0', 'e2', 'e0']);
  s.slots.update(s.port, [ep(0, { ready: false, serving: false }), ep(1, { ready: false, terminating: true }), ep(2, { ready: false, serving: false, terminating: true })]);
  assert.equal(s.names(3), ['e1', 'e1', 'e1']);
  assert.is(s.picker.hasUsable(s.port), true);
  s.slots.setFlags('10.0.0.1', 80, EJECTED, 0);
  assert.is(s.pick(), null);
  assert.is(s.picker.hasUsable(s.port), false);
  assert.is(s.table.refusals(s.port, 'noEndpoints'), 1);
});

test('ready endpoints all tried: no fallback to terminating ones, and tried ones are skipped', () => {
  const s = setup('round-robin', [ep(0), ep(1), ep(2, { ready: false, terminating: true })]);
  const [a, b] = s.endpoints;
  assert.is(s.pick([a.slot])!.name, 'e1');
  assert.is(s.pick([a.slot, b.slot]), null);
  assert.is(s.table.refusals(s.port, 'noEndpoints'), 0);
  s.slots.setFlags('10.0.0.0', 80, ADMIN_DOWN, 0);
  assert.equal(s.names(3), ['e1', 'e1', 'e1']);
});

test('a retry\'s tried list applies to that pick only; the next first attempt excludes nothing', () => {
  const s = setup('round-robin', [ep(0), ep(1)]);
  const [a] = s.endpoints;
  // cursor 0 → e0 is tried, the next turn (cursor 1) → e1; cursor 2 → e0 again (a stale tried list
  // would give e1); cursor 3 → e1.
  assert.equal([s.pick([a.slot])!.name, s.pick()!.name, s.pick([])!.name], ['e1', 'e0', 'e1']);
});

test('round-robin: an unusable endpoint\'s share spreads evenly over all the others, whatever its state', () => {
  const five = [ep(0), ep(1), ep(2), ep(3), ep(4)];
  const s = setup('round-robin', five);
  s.slots.update(s.port, [ep(0), ep(1, { ready: false }), ep(2), ep(3), ep(4)]);
  assert.equal(counts(s.names(400)), { e0: 100, e2: 100, e3: 100, e4: 100 });
  s.slots.setFlags('10.0.0.2', 80, EJECTED, 0);
  assert.equal(counts(s.names(300)), { e0: 100, e3: 100, e4: 100 });
  s.slots.setFlags('10.0.0.2', 80, 0, EJECTED);
  s.slots.setFlags('10.0.0.3', 80, ADMIN_DOWN, 0);
  assert.equal(counts(s.names(300)), { e0: 100, e2: 100, e4: 100 });
  // e4 removed from the Service port: DRAINING, seen through the snapshot the worker still has.
  s.slots.setFlags('10.0.0.3', 80, 0, ADMIN_DOWN);
  const next = s.slots.update(s.port, [ep(0), ep(1), ep(2), ep(3)]);
  assert.equal(counts(s.names(400)), { e0: 100, e1: 100, e2: 100, e3: 100 });
  s.picker.setServicePort({ ...s.picker.servicePort(s.port)!, endpoints: next, generation: 2 });
  assert.equal(counts(s.names(400)), { e0: 100, e1: 100, e2: 100, e3: 100 });
});

test('round-robin retries: the retry takes the rotation\'s next turn, so a failing endpoint\'s share is spread too', () => {
  const s = setup('round-robin', [ep(0), ep(1), ep(2), ep(3), ep(4)]);
  const failing = s.endpoints[1].slot;
  // e1 refuses every connect but is not ejected yet: each of its turns fails and is retried.
  const got: string[] = [];
  for (let k = 0; k < 400; k++) {
    let r = s.pick()!;
    if (r.slot === failing) r = s.pick([failing])!;
    got.push(r.name);
  }
  assert.equal(counts(got), { e0: 100, e2: 100, e3: 100, e4: 100 });
});

test('weighted-round-robin: an unusable endpoint\'s share goes to the others in proportion to their weights', () => {
  const s = setup('weighted-round-robin', [ep(0, { weight: 1 }), ep(1, { weight: 2 }), ep(2, { weight: 3 }), ep(3, { weight: 4 })]);
  assert.equal(counts(s.names(100)), { e0: 10, e1: 20, e2: 30, e3: 40 });
  s.slots.setFlags('10.0.0.3', 80, EJECTED, 0);
  // Usable weight 6: a multiple of it is a whole number of cycles (the cursor is at 100).
  s.names(2);
  assert.equal(counts(s.names(60)), { e0: 10, e1: 20, e2: 30 });
  const failing = s.endpoints[2].slot;
  const got: string[] = [];
  for (let k = 0; k < 600; k++) {
    let r = s.pick()!;
    if (r.slot === failing) r = s.pick([failing])!;
    got.push(r.name);
  }
  const c = counts(got);
  assert.is(c.e2, undefined);
  // e2's 300 turns went to e0 and e1 at the 1:2 of their weights.
  assert.equal([c.e0, c.e1], [200, 400]);
});

test('random: picks floor(random() * n) from the injected generator', () => {
  const s = setup('random', [ep(0), ep(1), ep(2), ep(3), ep(4)], 7);
  const ref = seededRandom(7);
  const expected = Array.from({ length: 50 }, () => `e${Math.floor(ref() * 5)}`);
  assert.equal(s.names(50), expected);
});

test('least-connections: ties go round-robin, then the least loaded wins (exact up to EXACT_LIMIT)', () => {
  const s = setup('least-connections', [ep(0), ep(1), ep(2)]);
  assert.equal(s.names(6, true), ['e0', 'e1', 'e2', 'e0', 'e1', 'e2']);
  const e1 = s.endpoints[1].slot;
  s.picker.closed(s.port, e1);
  s.picker.closed(s.port, e1);
  assert.equal(s.names(2, true), ['e1', 'e1']);
  s.picker.opened(s.port, s.endpoints[0].slot);
  // counts 3,2,2: cursor 8 starts at e2, tie with e1 → e2, then e1.
  assert.equal(s.names(2, true), ['e2', 'e1']);
});

test('least-connections above EXACT_LIMIT: cursor candidate plus SAMPLE-1 seeded random ones', () => {
  const n = EXACT_LIMIT + 12;
  const s = setup('least-connections', Array.from({ length: n }, (_, i) => ep(i)), 99);
  const load = Array.from({ length: n }, (_, i) => (i * 7) % 5);
  s.endpoints.forEach((e, i) => { for (let k = 0; k < load[i]; k++) s.picker.opened(s.port, e.slot); });
  const ref = seededRandom(99);
  for (let c = 0; c < 40; c++) {
    let best = c % n;
    for (let k = 1; k < SAMPLE; k++) {
      const i = Math.floor(ref() * n);
      if (load[i] < load[best]) best = i;
    }
    const got = s.pick()!;
    assert.is(got.name, `e${best}`, `pick ${c}`);
    s.picker.opened(s.port, got.slot);
    load[best]++;
  }
});

test('weighted-round-robin: interleaved, exact proportions over a full cycle, weight 0 = backup', () => {
  assert.is(weightStride(6), 5);
  const s = setup('weighted-round-robin', [ep(0, { weight: 3 }), ep(1), ep(2, { weight: 0 }), ep(3, { weight: 2 })]);
  assert.equal(s.names(6), ['e0', 'e3', 'e3', 'e1', 'e0', 'e0']);
  const big = setup('weighted-round-robin', [ep(0, { weight: 5 }), ep(1, { weight: 9 }), ep(2, { weight: 1 }), ep(3, { weight: 0 })]);
  assert.equal(counts(big.names(15 * 4)), { e0: 20, e1: 36, e2: 4 });
  big.slots.setFlags('10.0.0.0', 80, ADMIN_DOWN, 0);
  big.slots.setFlags('10.0.0.1', 80, ADMIN_DOWN, 0);
  big.slots.setFlags('10.0.0.2', 80, ADMIN_DOWN, 0);
  assert.equal(big.names(3), ['e3', 'e3', 'e3']);
  const zero = setup('weighted-round-robin', [ep(0, { weight: 0 }), ep(1, { weight: 0 })]);
  assert.equal(zero.names(4), ['e0', 'e1', 'e0', 'e1']);
});

test('weighted-round-robin follows weight changes without a new snapshot', () => {
  const s = setup('weighted-round-robin', [ep(0), ep(1)]);
  assert.equal(counts(s.names(10)), { e0: 5, e1: 5 });
  s.slots.update(s.port, [ep(0, { weight: 4 }), ep(1)]);
  // The cursor is at 10, a multiple of the new total weight 5, so the next 50 picks are 10 full cycles.
  assert.equal(counts(s.names(50)), { e0: 40, e1: 10 });
});

for (const weights of [[2, 0, 5, 1], [200, 0, 500, 100]]) {
  // Small weights use the owner table, large ones (> 16 per candidate) the prefix-sum binary search.
  test(`weighted-random: weight position floor(random() * W) picks its owner (${weights})`, () => {
    const total = weights.reduce((a, b) => a + b, 0);
    const s = setup('weighted-random', weights.map((w, i) => ep(i, { weight: w })), 5);
    const ref = seededRandom(5);
    const expected = Array.from({ length: 300 }, () => {
      let p = Math.floor(ref() * total);
      let i = 0;
      while (p >= weights[i]) p -= weights[i++];
      return `e${i}`;
    });
    assert.equal(s.names(300), expected);
  });
}

test('weighted-round-robin with large weights: exact proportions over a full cycle', () => {
  const s = setup('weighted-round-robin', [ep(0, { weight: 300 }), ep(1, { weight: 0 }), ep(2, { weight: 100 })]);
  assert.equal(counts(s.names(800)), { e0: 600, e2: 200 });
});

test('weighted-least-connections: long-lived connections settle at the weight ratio', () => {
  const s = setup('weighted-least-connections', [ep(0, { weight: 1 }), ep(1, { weight: 3 }), ep(2, { weight: 0 })]);
  assert.equal(counts(s.names(40, true)), { e0: 10, e1: 30 });
  s.slots.setFlags('10.0.0.0', 80, EJECTED, 0);
  s.slots.setFlags('10.0.0.1', 80, EJECTED, 0);
  assert.equal(s.names(2, true), ['e2', 'e2']);
});

const PINNED_42 = [601103, 448290, 852465];

test.run();
