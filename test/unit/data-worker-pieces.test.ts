// The worker thread's pieces that need no thread: access-log batching, spaced-out accept-error
// reports, a listener's source-range rule, and the ledger mirror that lets the pool give back what
// a crashed worker held.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AcceptErrorReport } from '../../src/data/accept-error-report.ts';
import { createAccessLogBatch } from '../../src/data/access-log-batch.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { ledgeredPicker } from '../../src/data/ledgered-picker.ts';
import { listenerContext } from '../../src/data/listener-context.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import type { ListenerSpec, ServicePortOptions } from '../../src/shared/messages.ts';
import { createWorkerLedger } from '../../src/shared/worker-ledger.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

test('access log: a batch leaves when full, or 100 ms after its first line, and on flush', async () => {
  const clock = new FakeClock();
  const posted: string[][] = [];
  const batch = createAccessLogBatch({ post: (lines) => posted.push(lines), maxLines: 3, maxDelayMs: 100, clock });
  batch.add('a');
  await clock.advance(60);
  batch.add('b');
  await clock.advance(39);
  assert.equal(posted, []);
  await clock.advance(1);
  assert.equal(posted, [['a', 'b']]);
  batch.add('c'); batch.add('d'); batch.add('e');
  assert.equal(posted, [['a', 'b'], ['c', 'd', 'e']], 'a full batch leaves at once');
  assert.is(clock.pending, 0, 'the full batch\'s timer was cancelled');
  batch.add('f');
  batch.flush();
  batch.flush();
  assert.equal(posted.at(-1), ['f']);
  assert.is(posted.length, 3, 'an empty flush posts nothing');
  await clock.advance(1000);
  assert.is(posted.length, 3);
});

test('accept errors: one report per interval, counting the ones in between', () => {
  let t = 0;
  const report = new AcceptErrorReport({ now: () => t }, 10_000);
  const emfile = new Error('accept EMFILE');
  assert.is(report.failed('l1', emfile), 'listener l1: accept EMFILE');
  t += 5_000;
  assert.is(report.failed('l1', emfile), null);
  assert.is(report.failed('l2', emfile), null);
  t += 4_999;
  assert.is(report.failed('l1', emfile), null);
  t += 1;
  assert.is(report.failed('l2', emfile), 'listener l2: accept EMFILE (3 more accept errors since the last report)');
  t += 10_000;
  assert.is(report.failed('l1', emfile), 'listener l1: accept EMFILE');
});

test('listener context: source ranges apply to a load-balancer listener only', () => {
  const spec = (role: ListenerSpec['role'], sourceRanges: string[]): ListenerSpec =>
    ({ id: 'x', address: '127.0.0.9', port: 8080, protocol: 'TCP', servicePortIndex: 3, role, sourceRanges });
  const lb = listenerContext(spec('loadBalancer', ['10.0.0.0/8']));
  assert.equal({ ...lb, allowSource: null }, { id: 'x', address: '127.0.0.9', port: 8080, servicePortIndex: 3, allowSource: null });
  assert.ok(lb.allowSource!('10.1.2.3'));
  assert.not.ok(lb.allowSource!('192.168.1.1'));
  assert.is(listenerContext(spec('loadBalancer', [])).allowSource, null);
  assert.is(listenerContext(spec('nodePort', ['10.0.0.0/8'])).allowSource, null);
});

test('ledgered picker: what a worker holds is mirrored, so a crash gives back exactly that', () => {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 2, affinityEntries: 8 });
  const slots = createEndpointSlots(table);
  const index = slots.allocServicePort();
  const endpoints = slots.update(index, [{ ip: '10.0.0.1', port: 80, ready: true, serving: true, terminating: false, weight: 1, name: 'e' }]);
  const options: ServicePortOptions = { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0 };
  const ledger = createWorkerLedger(table);
  const picker = ledgeredPicker(createEndpointPicker(table), ledger);
  picker.setServicePort({ index, name: 'default/web:80/TCP', generation: 1, options, endpoints });
  const slot = endpoints[0].slot;

  // Two connections and a flow; one connection ends normally.
  for (let i = 0; i < 2; i++) { assert.is(picker.tryAdmit(index, 0), 'ok'); picker.opened(index, slot); }
  assert.ok(picker.tryAdmitFlow(index, 0));
  picker.opened(index, slot);
  picker.closed(index, slot);
  picker.release(index);
  // Refused admissions hold nothing.
  assert.is(picker.tryAdmit(index, 1), 'global');
  assert.not.ok(picker.tryAdmitFlow(index, 1));
  assert.is(table.globalActive(), 1);
  assert.is(table.active(slot), 2);

  assert.equal(ledger.releaseInto(table), { connections: 1, flows: 1 });
  assert.is(table.globalActive(), 0);
  assert.is(table.udpFlows(), 0);
  assert.is(table.portActive(index), 0);
  assert.is(table.active(slot), 0);
  assert.equal(ledger.releaseInto(table), { connections: 0, flows: 0 }, 'given back once');
});

test.run();
