// When a crashed worker is replaced, and when the pool's start gives up: pure, on a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkerRestartPolicy, type RestartDecision } from '../../src/data/worker-restart-policy.ts';

function rig() {
  let t = 1000;
  const policy = new WorkerRestartPolicy({ now: () => t });
  /** Worker `id` starts, lives `ms`, and ends: the decision. */
  const life = (id: number, ms: number): RestartDecision => { policy.started(id); t += ms; return policy.ended(id); };
  return { policy, life };
}

test('a worker that lived 10 s or more is replaced at once, and its quick deaths are forgotten', () => {
  const { policy, life } = rig();
  policy.poolReady();
  assert.equal(life(0, 10_000), { action: 'restart', delayMs: 0, livedMs: 10_000, quickDeaths: 0 });
  life(0, 50);
  life(0, 50);
  assert.equal(life(0, 60_000), { action: 'restart', delayMs: 0, livedMs: 60_000, quickDeaths: 0 });
  assert.equal(life(0, 50), { action: 'restart', delayMs: 100, livedMs: 50, quickDeaths: 1 }, 'the back-off starts over');
});

test('quick deaths in a row back off 0.1 s doubling, capped at 30 s', () => {
  const { policy, life } = rig();
  policy.poolReady();
  const delays = Array.from({ length: 12 }, () => life(0, 9_999)).map((d) => d.action === 'restart' ? d.delayMs : -1);
  assert.equal(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
});

test('each worker id backs off on its own', () => {
  const { policy, life } = rig();
  policy.poolReady();
  life(0, 10);
  life(0, 10);
  assert.equal(life(1, 10), { action: 'restart', delayMs: 100, livedMs: 10, quickDeaths: 1 });
  assert.equal(life(0, 10), { action: 'restart', delayMs: 400, livedMs: 10, quickDeaths: 3 });
});

test('before the pool was ever ready, the 5th quick death in a row gives the start up', () => {
  const { life } = rig();
  const decisions = Array.from({ length: 5 }, () => life(1, 20));
  assert.equal(decisions.slice(0, 4).map((d) => d.action), ['restart', 'restart', 'restart', 'restart']);
  assert.equal(decisions[4], { action: 'give-up', livedMs: 20, quickDeaths: 5 });
});

test('before the pool was ready, a long life in between starts the count again', () => {
  const { life } = rig();
  for (let i = 0; i < 4; i++) life(0, 20);
  assert.is(life(0, 10_000).action, 'restart');
  for (let i = 0; i < 4; i++) assert.is(life(0, 20).action, 'restart');
  assert.is(life(0, 20).action, 'give-up');
});

test('once the pool has been ready, quick deaths never give up', () => {
  const { policy, life } = rig();
  for (let i = 0; i < 3; i++) life(0, 20);
  policy.poolReady();
  for (let i = 0; i < 20; i++) assert.is(life(0, 20).action, 'restart');
});

test('limits can be set', () => {
  let t = 0;
  const policy = new WorkerRestartPolicy({ now: () => t }, { quickMs: 100, baseMs: 10, maxMs: 35, startAttempts: 2 });
  policy.started(0);
  t += 99;
  assert.equal(policy.ended(0), { action: 'restart', delayMs: 10, livedMs: 99, quickDeaths: 1 });
  policy.started(0);
  assert.is(policy.ended(0).action, 'give-up');
  policy.poolReady();
  policy.ended(0);
  assert.equal(policy.ended(0), { action: 'restart', delayMs: 35, livedMs: 0, quickDeaths: 4 });
});

test.run();
