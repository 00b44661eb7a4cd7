// The pool's end of a worker's port, over a MessageChannel in this thread (no worker): replies
// reach who asked, and nobody waits on a worker that is gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageChannel } from 'node:worker_threads';
import { WorkerChannel } from '../../src/data/worker-channel.ts';
import type { MainToWorker } from '../../src/shared/messages.ts';

function rig() {
  const { port1, port2 } = new MessageChannel();
  const received: MainToWorker[] = [];
  port2.on('message', (m: MainToWorker) => received.push(m));
  const w = new WorkerChannel(3, port1);
  const until = async (n: number) => { for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setImmediate(r)); };
  return { w, received, until, close: () => { port1.close(); port2.close(); } };
}

test('ask posts the message and resolves with the reply about that listener only', async () => {
  const r = rig();
  try {
    const a = r.w.ask('a', { type: 'unlisten', id: 'a' });
    const b = r.w.ask('b', { type: 'unlisten', id: 'b' });
    await r.until(2);
    assert.equal(r.received, [{ type: 'unlisten', id: 'a' }, { type: 'unlisten', id: 'b' }]);
    assert.ok(r.w.answer({ type: 'listening', id: 'b', error: { code: 'SY_LISTEN_FAILED', message: 'x' } }));
    assert.equal(await b, { type: 'listening', id: 'b', error: { code: 'SY_LISTEN_FAILED', message: 'x' } });
    assert.not.ok(r.w.answer({ type: 'unlistened', id: 'b' }), 'answered twice');
    assert.not.ok(r.w.answer({ type: 'unlistened', id: 'nobody' }));
    r.w.answer({ type: 'unlistened', id: 'a' });
    assert.equal(await a, { type: 'unlistened', id: 'a' });
  } finally { r.close(); }
});

test('once gone, waiters get an empty unlistened, later asks resolve at once and nothing is posted', async () => {
  const r = rig();
  try {
    r.w.ready = true;
    const pending = r.w.ask('a', { type: 'unlisten', id: 'a' });
    await r.until(1);
    r.w.gone();
    assert.equal(await pending, { type: 'unlistened', id: '' });
    assert.is(r.w.ready, false);
    assert.is(r.w.open, false);
    assert.equal(await r.w.ask('b', { type: 'unlisten', id: 'b' }), { type: 'unlistened', id: '' });
    await new Promise((res) => setImmediate(res));
    assert.is(r.received.length, 1);
  } finally { r.close(); }
});

test.run();
