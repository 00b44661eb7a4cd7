import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProbeScheduler } from '../../src/health/probe-scheduler.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

test('first probes are spread over one period at start-up, then run every period', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: sequence([0, 0.25, 0.5, 0.75]), maxConcurrent: 10 });
  const t0 = clock.now();
  const runs: Record<string, number[]> = {};
  for (const key of ['a', 'b', 'c', 'd']) {
    runs[key] = [];
    s.add(key, { periodMs: 10_000, run: async () => { runs[key].push(clock.now() - t0); } });
  }
  await clock.advance(25_000);
  assert.equal(runs.a, [0, 10_000, 20_000]);
  assert.equal(runs.b, [2_500, 12_500, 22_500]);
  assert.equal(runs.c, [5_000, 15_000, 25_000]);
  assert.equal(runs.d, [7_500, 17_500]);
  s.close();
  assert.is(clock.pending, 0);
});

test('hurry: a probe now and every fast period until relax, then the own period again; a repeat hurry is a no-op', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0, maxConcurrent: 10 });
  const t0 = clock.now();
  const runs: number[] = [];
  s.add('a', { periodMs: 10_000, run: async () => { runs.push(clock.now() - t0); } });
  await clock.advance(3_000);
  assert.ok(s.hurry('a', 1_000));
  assert.not.ok(s.hurry('a', 1_000), 'already hurried');
  assert.not.ok(s.hurry('nope', 1_000));
  await clock.advance(2_500);
  assert.equal(runs, [0, 3_000, 4_000, 5_000]);
  assert.ok(s.isHurried('a'));
  s.relax('a');
  assert.not.ok(s.isHurried('a'));
  await clock.advance(20_000);
  assert.equal(runs, [0, 3_000, 4_000, 5_000, 15_500, 25_500]);
  // Never slower than the target's own period.
  s.add('b', { periodMs: 500, run: async () => {} });
  s.hurry('b', 1_000);
  s.close();
  assert.is(clock.pending, 0);
});

test('a target added later is jittered over at most one second', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0.999, maxConcurrent: 10 });
  await clock.advance(60_000);
  const added = clock.now();
  const runs: number[] = [];
  s.add('late', { periodMs: 10_000, run: async () => { runs.push(clock.now() - added); } });
  await clock.advance(11_000);
  assert.equal(runs, [999, 10_999]);
  s.close();
});

test('never more than maxConcurrent probes in flight; the rest wait in order', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0, maxConcurrent: 3 });
  const release: (() => void)[] = [];
  const started: string[] = [];
  let peak = 0;
  for (let i = 0; i < 10; i++) {
    const key = `t${i}`;
    s.add(key, {
      periodMs: 60_000,
      run: () => new Promise<void>((r) => { started.push(key); peak = Math.max(peak, s.running); release.push(r); }),
    });
  }
  await clock.advance(1);
  assert.is(s.running, 3);
  assert.is(s.queued, 7);
  assert.equal(started, ['t0', 't1', 't2']);
  for (let round = 0; round < 4; round++) {
    release.splice(0).forEach((r) => r());
    await clock.advance(1);
  }
  assert.equal(started, ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']);
  assert.is(peak, 3);
  release.splice(0).forEach((r) => r());
  s.close();
});

test('a tick that finds the previous probe still running is dropped, not queued', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0, maxConcurrent: 5 });
  let runs = 0;
  let release: (() => void) | undefined;
  s.add('slow', { periodMs: 1_000, run: () => new Promise<void>((r) => { runs++; release = r; }) });
  await clock.advance(3_500);
  assert.is(runs, 1);
  release!();
  await clock.advance(1_000);
  assert.is(runs, 2, 'the next tick after it finished runs again');
  release!();
  s.close();
});

test('removing a target stops its ticks; a queued removed target never runs', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0, maxConcurrent: 1 });
  const started: string[] = [];
  let release: (() => void) | undefined;
  s.add('a', { periodMs: 1_000, run: () => new Promise<void>((r) => { started.push('a'); release = r; }) });
  s.add('b', { periodMs: 1_000, run: async () => { started.push('b'); } });
  await clock.advance(1);
  assert.is(s.queued, 1);
  s.remove('b');
  release!();
  await clock.advance(1);
  s.remove('a');
  await clock.advance(5_000);
  assert.equal(started, ['a']);
  assert.is(s.size, 0);
  s.close();
});

test('a probe that throws does not stop the loop', async () => {
  const clock = new FakeClock();
  const s = new ProbeScheduler({ clock, random: () => 0, maxConcurrent: 1 });
  let runs = 0;
  s.add('x', { periodMs: 1_000, run: () => { runs++; throw new Error('boom'); } });
  await clock.advance(2_500);
  assert.is(runs, 3);
  assert.is(s.running, 0);
  s.close();
});

test.run();
