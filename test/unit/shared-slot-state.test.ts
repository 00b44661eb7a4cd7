import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADMIN_DOWN, DRAINING, EJECTED, READY, SERVING, TERMINATING, usableFlags } from '../../src/shared/slot-state.ts';

test('usableFlags: ready unless fallback; in fallback serving-and-terminating; never ejected, admin-down or draining', () => {
  const cases: [number, boolean, boolean][] = [
    [READY | SERVING, true, false],
    [READY, true, false],
    [SERVING, false, false],
    [SERVING | TERMINATING, false, true],
    [TERMINATING, false, false],
    [READY | SERVING | TERMINATING, true, true],
    [0, false, false],
  ];
  for (const [flags, normal, fallback] of cases) {
    assert.is(usableFlags(flags, false), normal, `flags ${flags}, first choice`);
    assert.is(usableFlags(flags, true), fallback, `flags ${flags}, fallback`);
    for (const never of [EJECTED, ADMIN_DOWN, DRAINING]) {
      assert.is(usableFlags(flags | never, false), false);
      assert.is(usableFlags(flags | never, true), false);
    }
  }
});

test.run();
