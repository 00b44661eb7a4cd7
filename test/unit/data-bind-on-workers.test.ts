import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bindOnWorkers, type WorkerBindGroup } from '../../src/data/bind-on-workers.ts';
import { BindError } from '../../src/data/bind-main.ts';
import type { ListenerSpec, WorkerToMain } from '../../src/shared/messages.ts';

const spec = (port: number): ListenerSpec => ({ id: `127.0.0.5:${port}/TCP`, address: '127.0.0.5', port, protocol: 'TCP', servicePortIndex: 0, role: 'nodePort', sourceRanges: [] });

/** Two workers that bind whatever they are asked to; `before` sockets already there (the census
 *  before the workers bound), `after` once they did. */
function group(before: number, after: number) {
  const asked: number[] = [];
  let bound = false;
  const g: WorkerBindGroup = {
    census: { count: async () => (bound ? after : before) },
    stopping: () => false,
    shuttingDown: () => new Error('stopping'),
    async listen(concrete): Promise<WorkerToMain[]> { asked.push(concrete.port); bound = true; return [{ type: 'listening', id: concrete.id }, { type: 'listening', id: concrete.id }]; },
    async unlisten() { bound = false; },
    probe: async (s) => { throw new BindError('SY_LISTEN_FAILED', `${s.address}:${s.port} is in use by another process (EADDRINUSE)`, 'EADDRINUSE'); },
  };
  return { g, asked };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: BindError) => e);

test('the exclusive probe fails but nobody is on this address (a wildcard elsewhere on the port): the workers bind', async () => {
  const { g, asked } = group(0, 2);
  assert.is(await bindOnWorkers(spec(30000), g), 30000);
  assert.equal(asked, [30000]);
});

test('the probe fails and a socket is on this address: refused, the workers never asked', async () => {
  const { g, asked } = group(1, 3);
  const err = await failure(bindOnWorkers(spec(30000), g));
  assert.equal([err?.systemCode, asked], ['EADDRINUSE', []]);
});

test('a requested port 0 has nothing to fall back to; other probe errors stand', async () => {
  const zero = group(0, 2);
  assert.is((await failure(bindOnWorkers(spec(0), zero.g)))?.systemCode, 'EADDRINUSE');
  const denied = group(0, 2);
  denied.g.probe = async () => { throw new BindError('SY_LISTEN_FAILED', 'permission denied', 'EACCES'); };
  assert.is((await failure(bindOnWorkers(spec(80), denied.g)))?.systemCode, 'EACCES');
  assert.equal([zero.asked, denied.asked], [[], []]);
});

test('after the workers bound, one socket more than theirs: they let go and the bind fails as in use', async () => {
  const { g } = group(0, 3);
  g.probe = async (s) => s.port;
  const err = await failure(bindOnWorkers(spec(30000), g));
  assert.equal([err?.systemCode, /1 socket\(s\) not ours/.test(err?.message ?? '')], ['EADDRINUSE', true]);
});

test.run();
