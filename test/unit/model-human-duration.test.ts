import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { age, humanDuration } from '../../src/model/human-duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

// Table from apimachinery duration_test.go TestHumanDuration, plus the boundaries of each rule.
const table: [number, string][] = [
  [-2 * S, '<invalid>'], [-1999, '0s'], [-1 * S, '0s'], [0, '0s'], [999, '0s'],
  [1 * S, '1s'], [70 * S, '70s'], [119 * S, '119s'], [2 * M, '2m'], [2 * M + 1 * S, '2m1s'],
  [9 * M + 59 * S, '9m59s'], [10 * M, '10m'], [10 * M + 59 * S, '10m'], [3 * H - 1, '179m'],
  [3 * H, '3h'], [3 * H + 30 * M, '3h30m'], [7 * H + 59 * M, '7h59m'], [8 * H, '8h'], [47 * H + 59 * M, '47h'],
  [48 * H, '2d'], [48 * H + 59 * M, '2d'], [2 * D + 1 * H, '2d1h'], [8 * D - 1, '7d23h'], [8 * D, '8d'],
  [2 * Y - 1, '729d'], [2 * Y, '2y'], [2 * Y + 3 * D, '2y3d'], [8 * Y - 1, '7y364d'], [8 * Y, '8y'], [12 * Y + 100 * D, '12y'],
];

test('humanDuration table', () => {
  for (const [ms, want] of table) assert.is(humanDuration(ms), want, `${ms} ms`);
});

test('age from a creationTimestamp', () => {
  const now = Date.parse('2026-03-04T10:00:00Z');
  assert.is(age('2026-03-01T09:00:00Z', now), '3d1h');
  assert.is(age('2026-03-04T09:59:30Z', now), '30s');
  assert.is(age('2026-03-04T10:00:05Z', now), '<invalid>');
  assert.is(age(undefined, now), '<unknown>');
  assert.is(age('not a time', now), '<unknown>');
});

test.run();
