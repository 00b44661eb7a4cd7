// Connect deadlines on a manual clock: order, never early, clearing, re-arming, retries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clearDeadline, deadlineNow, pendingDeadlines, setDeadline, useDeadlineClock, type DeadlineEntry } from '../../src/data/connect-deadlines.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

let clock: FakeClock;
test.before.each(() => { clock = new FakeClock(0); useDeadlineClock(clock); });
test.after.each(() => { assert.is(pendingDeadlines(), 0, 'a test left deadlines behind'); useDeadlineClock(undefined); });

interface Entry extends DeadlineEntry { name: string; passedAt: number }

function entry(name: string, log: Entry[]): Entry {
  const e: Entry = {
    name, passedAt: -1,
    deadlineAt: 0, deadlinePrev: null, deadlineNext: null, deadlineList: null,
    deadlinePassed() { e.passedAt = deadlineNow(); log.push(e); },
  };
  return e;
}

test('deadlines pass in deadline order across timeout values, never early, each once', async () => {
  const log: Entry[] = [];
  const now = deadlineNow();
  const a = entry('a', log);
  const b = entry('b', log);
  const c = entry('c', log);
  const d = entry('d', log);
  setDeadline(a, 60, now);
  setDeadline(b, 20, now);
  setDeadline(c, 60, now + 5);
  setDeadline(d, 40, now);
  assert.is(pendingDeadlines(), 4);
  await clock.advance(19);
  assert.equal(log, [], 'none before its time');
  await clock.advance(1);
  assert.equal(log.map((e) => e.name), ['b']);
  await clock.advance(45);
  assert.equal(log.map((e) => e.name), ['b', 'd', 'a', 'c']);
  assert.equal(log.map((e) => e.passedAt), [20, 40, 60, 65], 'each at its deadline');
  await clock.advance(1000);
  assert.is(log.length, 4, 'each once');
});

test('a cleared deadline never passes, wherever it sits in its list', async () => {
  const log: Entry[] = [];
  const now = deadlineNow();
  const es = ['head', 'middle', 'kept', 'tail'].map((n) => entry(n, log));
  for (const e of es) setDeadline(e, 30, now);
  clearDeadline(es[1]);
  clearDeadline(es[0]);
  clearDeadline(es[3]);
  clearDeadline(es[3]); // twice: nothing happens
  assert.is(pendingDeadlines(), 1);
  // Joins behind 'kept', which is the list's tail now that 'tail' left.
  const late = entry('late', log);
  setDeadline(late, 30, now + 1);
  assert.is(pendingDeadlines(), 2);
  await clock.advance(80);
  assert.equal(log.map((e) => e.name), ['kept', 'late']);
});

test('the armed head leaving does not lose the deadlines behind it', async () => {
  const log: Entry[] = [];
  const now = deadlineNow();
  const first = entry('first', log);
  const second = entry('second', log);
  setDeadline(first, 20, now);
  setDeadline(second, 50, now);
  clearDeadline(first);
  await clock.advance(49);
  assert.equal(log, []);
  await clock.advance(1);
  assert.equal(log.map((e) => e.name), ['second']);
});

test('a deadline set again restarts, and one set from a passing deadline (a retry) passes too', async () => {
  const log: Entry[] = [];
  const now = deadlineNow();
  const again = entry('again', log);
  setDeadline(again, 20, now);
  setDeadline(again, 60, now);
  const retry = entry('retry', log);
  let tries = 0;
  retry.deadlinePassed = () => {
    log.push(retry);
    if (++tries < 3) setDeadline(retry, 15, deadlineNow());
  };
  setDeadline(retry, 15, now);
  await clock.advance(30);
  assert.not.ok(log.includes(again), 'restarted deadline passed at its first time');
  assert.is(tries, 2);
  await clock.advance(30);
  assert.is(tries, 3);
  assert.is(log.filter((e) => e === again).length, 1);
});

test.run();
