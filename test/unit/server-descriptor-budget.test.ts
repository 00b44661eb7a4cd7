import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { descriptorReadiness, planDescriptorBudget, readOpenFileLimit, READY_MARGIN } from '../../src/server/descriptor-budget.ts';
import { listenersNeeded } from '../../src/proxy/listener-budget.ts';
import type { Service } from '../../src/model/types.ts';

const plan = (limit: number | undefined, more: Partial<Parameters<typeof planDescriptorBudget>[0]> = {}) =>
  planDescriptorBudget({ limit, workers: 2, accept: 'reuseport', udpSockets: 'per-worker', maxListeners: 0, maxConnections: 0, maxUdpFlows: 0, ...more });
const code = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; } };

test('derived from the limit: a reserve, a quarter of the rest for listeners, a third of what is left for UDP flows, connections the rest', () => {
  const b = plan(20_000);
  assert.equal([b.reserved, b.perListener, b.maxListeners, b.maxUdpFlows, b.maxConnections], [288, 2, 2464, 4928, 4928]);
  assert.ok(b.reserved + b.maxListeners * b.perListener + 2 * b.maxConnections + b.maxUdpFlows <= 20_000);
  assert.match(b.summary, 'open-file limit 20000 (ulimit -n): up to 2464 listeners (2 descriptors each), 4928 proxied connections (2 each) and 4928 UDP flows (1 each)');
  // A listener costs what the protocol costing most takes: transfer binds TCP once, but per-worker UDP sockets are one per worker.
  assert.equal([plan(20_000, { accept: 'transfer' }).perListener, plan(20_000, { accept: 'transfer', udpSockets: 'single' }).perListener], [2, 1]);
  const t = plan(20_000, { accept: 'transfer', udpSockets: 'single' });
  assert.equal([t.maxListeners, t.maxUdpFlows, t.maxConnections], [4928, 4928, 4928]);
  assert.is(plan(1_000_000).maxUdpFlows, 16_384, 'flows are capped at the default however large the limit');
  const u = plan(undefined, { maxConnections: 5 });
  assert.equal([u.maxListeners, u.maxConnections, u.maxUdpFlows], [0, 5, 16_384]);
});

test('explicit settings are kept when they fit and refused with SY_FD_BUDGET when they cannot', () => {
  const b = plan(4096, { maxListeners: 100, maxConnections: 1000 });
  assert.equal([b.maxListeners, b.maxConnections, b.maxUdpFlows], [100, 1000, 4096 - 288 - 200 - 2000], 'flows take what connections leave');
  const f = plan(4096, { maxListeners: 100, maxUdpFlows: 1000 });
  assert.equal([f.maxUdpFlows, f.maxConnections], [1000, Math.floor((4096 - 288 - 200 - 1000) / 2)], 'connections take what flows leave');
  assert.equal([plan(4096, { maxListeners: 100, maxConnections: 1000, maxUdpFlows: 1608 }).maxUdpFlows], [1608], 'both, exactly fitting');
  assert.match(code(() => plan(4096, { maxListeners: 5000 })), /^SY_FD_BUDGET: --max-listeners 5000 needs 10000 descriptors .*ulimit -n/);
  assert.match(code(() => plan(4096, { maxConnections: 5000 })), /^SY_FD_BUDGET: --max-connections 5000 needs 10000 descriptors/);
  assert.match(code(() => plan(4096, { maxUdpFlows: 5000 })), /^SY_FD_BUDGET: --max-udp-flows 5000 needs 5000 descriptors \(one socket per flow\)/);
  assert.match(code(() => plan(4096, { maxListeners: 100, maxConnections: 1000, maxUdpFlows: 1609 })),
    /^SY_FD_BUDGET: --max-connections 1000 and --max-udp-flows 1609 need 3609 descriptors \(two per connection, one per flow\) but only 3608 are left/);
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
