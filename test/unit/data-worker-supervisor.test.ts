// The worker pool's restart sequence without threads: spawned "workers" are promises the test
// settles, time is a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkerSupervisor } from '../../src/data/worker-supervisor.ts';
import type { SyError } from '../../src/model/sy-error.ts';
import { FakeClock, settle } from '../helpers/fake-clock.ts';

function rig() {
  const clock = new FakeClock();
  const events: string[] = [];
  const alive = new Map<number, (r: unknown) => void>();
  let failure: SyError | undefined;
  const supervisor = new WorkerSupervisor({
    clock,
    spawn(id) {
      events.push(`spawn ${id}`);
      return new Promise((resolve) => alive.set(id, resolve));
    },
    died: (id, err) => events.push(`died ${id}: ${err.message}`),
    replacing: (id) => events.push(`replacing ${id}`),
    failed: (err) => { failure = err; events.push('failed'); },
    log: () => {},
  });
  /** Worker `id` ends with an error (or a result), after `lifeMs`. */
  const end = async (id: number, lifeMs: number, r: unknown = new Error(`crash ${id}`)) => {
    await clock.advance(lifeMs);
    const resolve = alive.get(id)!;
    alive.delete(id);
    resolve(r);
    await settle();
  };
  return { clock, events, supervisor, end, alive, failure: () => failure };
}

test('a worker that crashes after a long life is replaced at once, its end handled first', async () => {
  const r = rig();
  r.supervisor.start(0);
  r.supervisor.start(1);
  r.supervisor.poolReady();
  await r.end(1, 60_000);
  assert.equal(r.events, ['spawn 0', 'spawn 1', 'died 1: crash 1', 'replacing 1', 'spawn 1']);
  assert.is(r.supervisor.restarts, 1);
});

test('quick crashes are replaced after 0.1 s, then 0.2 s, 0.4 s', async () => {
  const r = rig();
  r.supervisor.start(0);
  r.supervisor.poolReady();
  for (const delay of [100, 200, 400]) {
    await r.end(0, 10);
    r.events.length = 0;
    await r.clock.advance(delay - 1);
    assert.equal(r.events, [], `not before ${delay} ms`);
    await r.clock.advance(1);
    assert.equal(r.events, ['spawn 0']);
  }
  assert.is(r.supervisor.restarts, 3);
});

test('before the pool was ready, 5 quick failures in a row fail the start with SY_WORKER_START_FAILED and nothing is retried', async () => {
  const r = rig();
  r.supervisor.start(0);
  for (const delay of [100, 200, 400, 800]) {
    await r.end(0, 5);
    await r.clock.advance(delay);
  }
  assert.is(r.failure(), undefined);
  await r.end(0, 5, new Error('cannot find module'));
  const err = r.failure();
  assert.is(err?.code, 'SY_WORKER_START_FAILED');
  assert.match(err!.message, 'data-plane worker 0 failed to start 5 times in a row; the last error: cannot find module');
  assert.is(r.supervisor.restarts, 4, 'the give-up is not a restart');
  const spawns = r.events.filter((e) => e.startsWith('spawn')).length;
  await r.clock.advance(600_000);
  assert.is(r.events.filter((e) => e.startsWith('spawn')).length, spawns);
  assert.is(spawns, 5);
});

test('a worker that finished (a result, not an error) is not replaced', async () => {
  const r = rig();
  r.supervisor.start(0);
  r.supervisor.poolReady();
  await r.end(0, 10, { workerId: 0 });
  await r.clock.advance(60_000);
  assert.equal(r.events, ['spawn 0']);
});

test('stop cancels a pending replacement, still hands back what a later death held, and waits for live workers only', async () => {
  const r = rig();
  r.supervisor.start(0);
  r.supervisor.start(1);
  r.supervisor.poolReady();
  await r.end(0, 10); // replacement due in 0.1 s
  let stopped = false;
  const stopping = r.supervisor.stop().then(() => { stopped = true; });
  await r.clock.advance(60_000);
  assert.is(r.events.filter((e) => e === 'spawn 0').length, 1, 'the pending replacement was started');
  assert.is(stopped, false, 'stop did not wait for worker 1');
  await r.end(1, 0);
  await stopping;
  assert.equal(r.events.slice(-1), ['died 1: crash 1'], 'no replacement after stop');
  assert.is(r.supervisor.restarts, 1);
});

test.run();
