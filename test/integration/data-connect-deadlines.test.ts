// Connect deadlines on a data-plane thread's real clock, against a real loopback connect: a thread
// held up (a busy CPU) past a deadline runs its timers before the I/O that completed meanwhile, and
// a connect that completed in time must not be abandoned as timed out. The unit tests
// (test/unit/data-connect-deadlines.test.ts) check the order and the times on a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { clearDeadline, deadlineNow, pendingDeadlines, setDeadline, type DeadlineEntry } from '../../src/data/connect-deadlines.ts';

function entry(): DeadlineEntry & { passed: boolean } {
  const e = {
    passed: false, deadlineAt: 0, deadlinePrev: null, deadlineNext: null, deadlineList: null,
    deadlinePassed() { e.passed = true; },
  };
  return e;
}

/** Keeps this thread busy for `ms`, as a loaded machine does, without letting the loop turn. */
function holdUp(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

test('a connect that completed while the thread was held up past its deadline is not timed out', async () => {
  const server = createServer((s) => s.destroy()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    for (let i = 0; i < 5; i++) {
      const e = entry();
      const c = connect(port, '127.0.0.1');
      c.on('error', () => {});
      c.once('connect', () => clearDeadline(e));
      // net.connect issues the connect on the next tick; then the kernel completes the loopback
      // handshake at once, and the thread sees it only after the hold-up.
      await new Promise((r) => process.nextTick(r));
      setDeadline(e, 20, deadlineNow());
      holdUp(100);
      await once(c, 'connect');
      assert.not.ok(e.passed, `attempt ${i}: the deadline passed although the connect had completed`);
      c.destroy();
    }
  } finally {
    server.close();
  }
  assert.is(pendingDeadlines(), 0);
});

test('a connect that does not complete still passes its deadline', async () => {
  const e = entry();
  setDeadline(e, 20, deadlineNow());
  holdUp(50);
  for (const end = Date.now() + 10_000; !e.passed && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
  assert.ok(e.passed);
  assert.is(pendingDeadlines(), 0);
});

test.run();
