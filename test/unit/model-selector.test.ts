import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatLabels, matchesSelector } from '../../src/model/selector.ts';

test('equality selector matches a superset of labels', () => {
  assert.ok(matchesSelector({ app: 'web' }, { app: 'web', tier: 'fe' }));
  assert.ok(matchesSelector({ app: 'web', tier: 'fe' }, { app: 'web', tier: 'fe' }));
  assert.not.ok(matchesSelector({ app: 'web', tier: 'fe' }, { app: 'web' }));
  assert.not.ok(matchesSelector({ app: 'web' }, { app: 'api' }));
  assert.not.ok(matchesSelector({ app: 'web' }, undefined));
});

test('empty or missing selector matches nothing', () => {
  assert.not.ok(matchesSelector(undefined, { app: 'web' }));
  assert.not.ok(matchesSelector({}, { app: 'web' }));
  assert.not.ok(matchesSelector({}, {}));
});

test('a selector value of "" requires the label with an empty value', () => {
  assert.ok(matchesSelector({ canary: '' }, { canary: '' }));
  assert.not.ok(matchesSelector({ canary: '' }, {}));
});

test('inherited object keys do not count as labels', () => {
  assert.not.ok(matchesSelector({ toString: 'x' }, {}));
});

test('formatLabels sorts and joins; <none> when empty', () => {
  assert.is(formatLabels({ tier: 'fe', app: 'web' }), 'app=web,tier=fe');
  assert.is(formatLabels({}), '<none>');
  assert.is(formatLabels(undefined), '<none>');
});

test.run();
