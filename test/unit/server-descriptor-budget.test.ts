import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { descriptorReadiness, planDescriptorBudget, readOpenFileLimit, READY_MARGIN, trafficRoom } from '../../src/server/descriptor-budget.ts';
import { listenersNeeded } from '../../src/proxy/listener-budget.ts';
import type { Service } from '../../src/model/types.ts';

const plan = (limit: number | undefined, more: Partial<Parameters<typeof planDescriptorBudget>[0]> = {}) =>
  planDescriptorBudget({ limit, workers: 2, accept: 'reuseport', udpSockets: 'per-worker', maxListeners: 0, maxConnections: 0, maxUdpFlows: 0, ...more });
const code = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; } };

test('derived from the limit: a reserve, and a room listeners, connections and flows share; listeners at most half of it', () => {
  const b = plan(20_000);
  assert.equal([b.reserved, b.room, b.perListener, b.maxListeners, b.maxConnections, b.maxUdpFlows], [288, 19_712, 2, 4928, 0, 16_384]);
  assert.match(b.summary, 'open-file limit 20000 (ulimit -n): 288 kept for the process; the other 19712 shared as they are used by listeners (at most 4928, 2 descriptors each');
  assert.match(b.summary, 'proxied connections (2 each: up to 9856 without listeners or flows)');
  // A listener costs what the protocol costing most takes: transfer binds TCP once, but per-worker UDP sockets are one per worker.
  assert.equal([plan(20_000, { accept: 'transfer' }).perListener, plan(20_000, { accept: 'transfer', udpSockets: 'single' }).perListener], [2, 1]);
  assert.is(plan(20_000, { accept: 'transfer', udpSockets: 'single' }).maxListeners, 9856);
  const u = plan(undefined, { maxConnections: 5 });
  assert.equal([u.room, u.maxListeners, u.maxConnections, u.maxUdpFlows], [-1, 0, 5, 16_384]);
});

test('the traffic room: what the stored Services\' listeners leave; no limit stays no limit', () => {
  const b = plan(20_000);
  assert.equal([trafficRoom(b, 0), trafficRoom(b, 10), trafficRoom(b, 20_000)], [19_712, 19_692, 0]);
  assert.is(trafficRoom(plan(undefined), 10), -1);
});

test('explicit settings are kept when they fit the room alone and refused with SY_FD_BUDGET when they cannot', () => {
  const b = plan(4096, { maxListeners: 100, maxConnections: 1000, maxUdpFlows: 3000 });
  assert.equal([b.maxListeners, b.maxConnections, b.maxUdpFlows], [100, 1000, 3000], 'together more than the room: they share it as used');
  assert.match(code(() => plan(4096, { maxListeners: 5000 })), /^SY_FD_BUDGET: --max-listeners 5000 needs 10000 descriptors .*ulimit -n/);
  assert.match(code(() => plan(4096, { maxConnections: 5000 })), /^SY_FD_BUDGET: --max-connections 5000 needs 10000 descriptors/);
  assert.match(code(() => plan(4096, { maxUdpFlows: 5000 })), /^SY_FD_BUDGET: --max-udp-flows 5000 needs 5000 descriptors \(one socket per flow\)/);
  assert.match(code(() => plan(256)), /^SY_FD_BUDGET: the open-file limit \(256, ulimit -n\) leaves nothing/);
});

test('the soft limit is read from /proc/self/limits; unlimited or unreadable is undefined', () => {
  const limits = (v: string) => () => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${v}                20000                files\n`;
  assert.is(readOpenFileLimit(limits('1024')), 1024);
  assert.is(readOpenFileLimit(limits('unlimited')), undefined);
  assert.is(readOpenFileLimit(() => { throw new Error('ENOENT'); }), undefined);
  assert.ok((readOpenFileLimit() ?? 1) > 0);
});

test('readiness fails out of descriptors or within the margin, and is cached for a second', () => {
  let open: number | 'exhausted' | undefined = 100;
  let now = 0;
  const ready = descriptorReadiness(1000, () => open, () => now);
  assert.is(ready(), undefined);
  open = 1000 - READY_MARGIN + 1;
  assert.is(ready(), undefined, 'cached');
  now = 1000;
  assert.match(ready()!, /of 1000 file descriptors in use/);
  open = 'exhausted';
  now = 2000;
  assert.match(ready()!, /out of file descriptors \(EMFILE\)/);
  open = undefined;
  now = 3000;
  assert.is(ready(), undefined, 'unknown is not a reason');
});

test('listeners a Service needs: one per port and address, LoadBalancer pool addresses counted, SCTP and headless none', () => {
  const svc = (spec: Partial<Service['spec']>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'd' }, spec: { clusterIP: '10.0.0.1', ports: [{ port: 80, nodePort: 30001 }, { port: 53, protocol: 'UDP', nodePort: 30002 }], ...spec } });
  assert.is(listenersNeeded(svc({ type: 'ClusterIP' }), ['0.0.0.0']), 2);
  assert.is(listenersNeeded(svc({ type: 'NodePort' }), ['127.0.0.1', '127.0.0.2']), 6);
  assert.is(listenersNeeded(svc({ type: 'LoadBalancer', externalIPs: ['1.2.3.4'] }), ['0.0.0.0']), 8);
  assert.is(listenersNeeded(svc({ clusterIP: 'None' }), ['0.0.0.0']), 0);
});

test.run();
