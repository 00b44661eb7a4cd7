// The worker pool's listener record: which workers bind a listener, what a replacement binds
// again, who owns a 'single' UDP listener, and which listeners another process joined.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Server } from 'node:net';
import { PoolListeners } from '../../src/data/pool-listeners.ts';
import type { ListenerSpec } from '../../src/shared/messages.ts';

const spec = (id: string, protocol: 'TCP' | 'UDP', port = 0): ListenerSpec => ({
  id, address: '127.0.0.1', port, protocol, servicePortIndex: 0, role: 'clusterIP', sourceRanges: [],
});
/** A main-thread listener (transfer mode); closeAll must close it. */
const server = (closed: string[], id: string) => ({ close: () => { closed.push(id); } }) as unknown as Server;

test('a replacement binds the workers\' listeners, with the port the first bind resolved, but not the main thread\'s', () => {
  const l = new PoolListeners(3);
  l.set({ spec: spec('tcp-a', 'TCP'), bound: { address: '127.0.0.1', port: 30001 } });
  l.set({ spec: spec('tcp-main', 'TCP'), bound: { address: '127.0.0.1', port: 30002 }, server: server([], 'x') });
  l.set({ spec: spec('udp-all', 'UDP'), bound: { address: '127.0.0.1', port: 30003 } });
  l.set({ spec: spec('udp-1', 'UDP'), bound: { address: '127.0.0.1', port: 30004 }, owner: 1 });
  assert.equal(l.boundBy(0).map((s) => `${s.id}:${s.port}`), ['tcp-a:30001', 'udp-all:30003']);
  assert.equal(l.boundBy(1).map((s) => `${s.id}:${s.port}`), ['tcp-a:30001', 'udp-all:30003', 'udp-1:30004']);
  assert.is(l.get('tcp-a')!.spec.port, 0, 'the record keeps the spec as asked');
});

test('workersOf: every worker, the owner only, or none for the main thread\'s own', () => {
  const l = new PoolListeners(3);
  assert.equal(l.workersOf({}), [0, 1, 2]);
  assert.equal(l.workersOf({ owner: 2 }), [2]);
  assert.equal(l.workersOf({ server: server([], 'x') }), []);
});

test('a \'single\' UDP listener goes to the worker owning the fewest, the lowest id on a tie', () => {
  const l = new PoolListeners(3);
  const owners: number[] = [];
  for (let i = 0; i < 5; i++) {
    const owner = l.udpOwner();
    owners.push(owner);
    l.set({ spec: spec(`u${i}`, 'UDP'), bound: { address: '127.0.0.1', port: 1 }, owner });
  }
  assert.equal(owners, [0, 1, 2, 0, 1]);
  l.delete('u2');
  assert.is(l.udpOwner(), 2);
});

test('shared: more sockets than the workers that bind it, never the main thread\'s own', async () => {
  const l = new PoolListeners(2);
  l.set({ spec: spec('all-ok', 'TCP'), bound: { address: '127.0.0.1', port: 1 } });
  l.set({ spec: spec('all-joined', 'TCP'), bound: { address: '127.0.0.1', port: 2 } });
  l.set({ spec: spec('one-joined', 'UDP'), bound: { address: '127.0.0.1', port: 3 }, owner: 1 });
  l.set({ spec: spec('main', 'TCP'), bound: { address: '127.0.0.1', port: 4 }, server: server([], 'main') });
  l.set({ spec: spec('unknown', 'TCP'), bound: { address: '127.0.0.1', port: 5 } });
  const counts: Record<number, number | undefined> = { 1: 2, 2: 3, 3: 2, 4: 9, 5: undefined };
  const asked: string[] = [];
  const shared = await l.shared(async (_address, port, protocol) => { asked.push(`${protocol}:${port}`); return counts[port]; });
  assert.equal(shared, ['all-joined', 'one-joined']);
  assert.not.ok(asked.includes('TCP:4'), 'the census was asked about a main-thread listener');
});

test('closeAll closes the main thread\'s listeners and forgets every one', () => {
  const closed: string[] = [];
  const l = new PoolListeners(2);
  l.set({ spec: spec('a', 'TCP'), bound: { address: '127.0.0.1', port: 1 } });
  l.set({ spec: spec('m', 'TCP'), bound: { address: '127.0.0.1', port: 2 }, server: server(closed, 'm') });
  l.closeAll();
  assert.equal(closed, ['m']);
  assert.is(l.get('a'), undefined);
  assert.equal(l.boundBy(0), []);
});

test.run();
