import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { descriptorReadiness, planDescriptorBudget, readOpenFileLimit, READY_MARGIN } from '../../src/server/descriptor-budget.ts';
import { listenersNeeded } from '../../src/proxy/listener-budget.ts';
import type { Service } from '../../src/model/types.ts';

const plan = (limit: number | undefined, more: Partial<Parameters<typeof planDescriptorBudget>[0]> = {}) =>
  planDescriptorBudget({ limit, workers: 2, accept: 'reuseport', maxListeners: 0, maxConnections: 0, ...more });
const code = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; } };

test('derived from the limit: a reserve, a quarter of the rest for listeners, the remainder for connections', () => {
  const b = plan(20_000);
  assert.equal([b.reserved, b.perListener, b.maxListeners, b.maxConnections], [288, 2, 2464, 7392]);
  assert.ok(b.reserved + b.maxListeners * b.perListener + 2 * b.maxConnections <= 20_000);
  const t = plan(20_000, { accept: 'transfer' });
  assert.equal([t.perListener, t.maxListeners], [1, 4928]);
  assert.match(b.summary, 'open-file limit 20000 (ulimit -n): up to 2464 listeners (2 descriptors each) and 7392 proxied connections');
  const u = plan(undefined, { maxConnections: 5 });
  assert.equal([u.maxListeners, u.maxConnections], [0, 5]);
});

test('explicit settings are kept when they fit and refused with SY_FD_BUDGET when they cannot', () => {
  const b = plan(4096, { maxListeners: 100, maxConnections: 1000 });
  assert.equal([b.maxListeners, b.maxConnections], [100, 1000]);
  assert.match(code(() => plan(4096, { maxListeners: 5000 })), /^SY_FD_BUDGET: --max-listeners 5000 needs 10000 descriptors .*ulimit -n/);
  assert.match(code(() => plan(4096, { maxConnections: 5000 })), /^SY_FD_BUDGET: --max-connections 5000 needs 10000 descriptors/);
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
