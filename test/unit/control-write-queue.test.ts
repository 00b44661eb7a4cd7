import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteQueue } from '../../src/control/write-queue.ts';
import { ApiError } from '../../src/model/api-error.ts';

/** A promise the test settles by hand, so the order of runs does not depend on timing. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

test('writes run one at a time in call order, and a failed one does not stop the next', async () => {
  const q = createWriteQueue();
  const log: string[] = [];
  const first = gate();
  const a = q.run(async () => { log.push('a start'); await first.opened; log.push('a end'); return 'a'; });
  const b = q.run(async () => { log.push('b'); throw new Error('b failed'); });
  const c = q.run(async () => { log.push('c'); return 'c'; });
  first.open();
  assert.is(await a, 'a');
  await b.then(() => assert.unreachable('b must reject'), (err: Error) => assert.is(err.message, 'b failed'));
  assert.is(await c, 'c');
  assert.equal(log, ['a start', 'a end', 'b', 'c']);
});

test('close waits for queued writes and refuses later ones with SY_SHUTTING_DOWN', async () => {
  const q = createWriteQueue();
  const g = gate();
  let done = false;
  const queued = q.run(async () => { await g.opened; done = true; });
  const closing = q.close();
  try {
    q.run(async () => undefined);
    assert.unreachable('a write after close must be refused');
  } catch (err) {
    assert.instance(err, ApiError);
    assert.is((err as ApiError).code, 'SY_SHUTTING_DOWN');
  }
  g.open();
  await closing;
  assert.ok(done);
  await queued;
});

test.run();
