// The Targets table's ratios: two decimals, and a third only where two would put the figure on its
// bar and hide the side the verdict was decided on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgedRatio } from '../../bench/bench-targets.ts';

test('two decimals away from the bar', () => {
  assert.is(judgedRatio(1.3849, 1.3), '1.38');
  assert.is(judgedRatio(0.8, 1.0), '0.80');
});

test('three decimals where two would round onto the bar', () => {
  assert.is(judgedRatio(58.577766 / 38.962661, 1.5), '1.503');
  assert.is(judgedRatio(1.4981, 1.5), '1.498');
  assert.is(judgedRatio(0.996, 1.0), '0.996');
});

test('exactly on the bar stays at two decimals', () => {
  assert.is(judgedRatio(1.5, 1.5), '1.50');
});

test.run();
