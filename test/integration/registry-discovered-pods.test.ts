// Discovered Pods in the registry, over a real SQLite store: selected and listed like applied
// Pods, never stored, refused to a client's apply and delete with an error naming the owner,
// validated like applied Pods (what fails is reported, once), and readiness as the engine says
// it, narrowed by a probe.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeNotice } from '../../src/control/control-plane-api.ts';
import type { DiscoveredPod } from '../../src/control/discovered-pods.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { Pod } from '../../src/model/types.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

const work = mkdtempSync(join(tmpdir(), 'sy-discovered-'));
let n = 0;
const open = async (dir: string) => createRegistry({ store: await openSqliteStore(dir), clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
const fresh = async () => { const dir = join(work, `r${++n}`); return { dir, r: await open(dir) }; };

const service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
  spec: { selector: { 'com.docker.compose.service': 'web' }, ports: [{ port: 80, targetPort: 80 }] },
};
function discovered(name: string, ip: string, ready = true, extra: Partial<Pod['metadata']> = {}): DiscoveredPod {
  return {
    pod: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { 'com.docker.compose.service': 'web' }, uid: `uid-${name}`, ...extra },
      spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    },
    owner: `the Docker container ${name.replace(/-/g, '_')} (0123456789ab)`,
    remedy: 'change the container instead',
  };
}
const readyIps = (r: Registry) =>
  r.serviceSlices('default', 'web').flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.addresses[0])).sort();

async function refused(p: Promise<unknown>): Promise<ApiError> {
  try { await p; } catch (err) { assert.instance(err, ApiError); return err as ApiError; }
  throw new Error('expected a rejection');
}

test('selected and listed like applied Pods; removed when the source stops listing them', async () => {
  const { r } = await fresh();
  await r.apply(service);
  const notices: ChangeNotice[] = [];
  r.subscribe((x) => notices.push(x));
  const result = await r.syncDiscoveredPods('docker', [discovered('shop-web-1', '198.18.1.2'), discovered('shop-web-2', '198.18.1.3')]);
  assert.equal(result.rejected, []);
  assert.equal(readyIps(r), ['198.18.1.2', '198.18.1.3']);
  assert.equal(notices, [{ services: ['default/web'] }]);
  const pod = r.get('Pod', 'default', 'shop-web-1') as Pod;
  assert.is(pod.metadata.uid, 'uid-shop-web-1');
  assert.ok(Number(pod.metadata.resourceVersion) > 0);
  assert.equal(r.list('Pod').map((p) => p.metadata.name), ['shop-web-1', 'shop-web-2']);

  await r.syncDiscoveredPods('docker', [discovered('shop-web-1', '198.18.1.2')]);
  assert.equal(readyIps(r), ['198.18.1.2']);
  assert.is(r.get('Pod', 'default', 'shop-web-2'), undefined);
  const before = notices.length;
  const rv = (r.get('Pod', 'default', 'shop-web-1') as Pod).metadata.resourceVersion;
  await r.syncDiscoveredPods('docker', [discovered('shop-web-1', '198.18.1.2')]);
  assert.is(notices.length, before, 'an unchanged set changes nothing');
  assert.is((r.get('Pod', 'default', 'shop-web-1') as Pod).metadata.resourceVersion, rv);
  await r.close();
});

test('never stored: after a restart only the applied objects are back', async () => {
  const { dir, r } = await fresh();
  await r.apply(service);
  await r.syncDiscoveredPods('docker', [discovered('shop-web-1', '198.18.1.2')]);
  await r.close();
  const store = await openSqliteStore(dir);
  assert.equal((await store.load()).map((o) => o.kind), ['Service']);
  await store.close();
  const again = await open(dir);
  assert.equal(again.list('Pod'), []);
  await again.close();
});

test('read-only: apply and delete (dry runs too) are refused with an error naming the container', async () => {
  const { r } = await fresh();
  await r.apply(service);
  await r.syncDiscoveredPods('docker', [discovered('shop-web-1', '198.18.1.2')]);
  const del = await refused(r.delete('Pod', 'default', 'shop-web-1'));
  assert.is(del.httpStatus, 403);
  assert.is(del.reason, 'Forbidden');
  assert.is(del.code, 'SY_DISCOVERED_READ_ONLY');
  assert.is(del.message, 'pods "shop-web-1" is forbidden: it is discovered from the Docker container shop_web_1 (0123456789ab) and read-only through the API; change the container instead');
  assert.is((await refused(r.delete('Pod', 'default', 'shop-web-1', { dryRun: true }))).httpStatus, 403);
  const applied = { ...discovered('shop-web-1', '198.18.9.9').pod, metadata: { name: 'shop-web-1' } };
  assert.is((await refused(r.apply(applied))).code, 'SY_DISCOVERED_READ_ONLY');
  assert.is((await refused(r.apply(applied, { dryRun: true }))).code, 'SY_DISCOVERED_READ_ONLY');
  assert.equal(readyIps(r), ['198.18.1.2'], 'nothing changed');
  await r.apply({ ...applied, metadata: { name: 'other' } });
  assert.ok(r.get('Pod', 'default', 'other'), 'other Pods are applied as usual');
  await r.close();
});

test('validated like applied Pods; a clash with an applied Pod keeps the applied one; each reported once', async () => {
  const { r } = await fresh();
  await r.apply(service);
  await r.apply({ ...discovered('taken', '198.18.1.9').pod, metadata: { name: 'taken', labels: { 'com.docker.compose.service': 'web' } } });
  const bad = discovered('bad', 'not-an-ip');
  const pods = [discovered('ok', '198.18.1.2'), bad, discovered('taken', '198.18.1.3')];
  const first = await r.syncDiscoveredPods('docker', pods);
  assert.equal(first.rejected.map((x) => x.name), ['bad', 'taken']);
  assert.match(first.rejected[0].message, 'Pod "bad" is invalid: status.podIP: Invalid value: "not-an-ip"');
  assert.match(first.rejected[1].message, 'a Pod named taken was applied through the API');
  assert.equal(readyIps(r), ['198.18.1.2', '198.18.1.9']);
  await r.syncDiscoveredPods('docker', pods);
  const warnings = r.events({ namespace: 'default' }).filter((e) => e.reason === 'DiscoveredPodRejected');
  assert.equal(warnings.map((e) => [e.involvedObject.name, e.count]), [['bad', 1], ['taken', 1]]);
  assert.match(warnings[0].message!, /^the Docker container bad \(0123456789ab\): Pod "bad" is invalid/);

  // A valid Pod whose next version is invalid leaves: what it maps to cannot be served.
  await r.syncDiscoveredPods('docker', [discovered('ok', '-')]);
  assert.is(r.get('Pod', 'default', 'ok'), undefined);
  await r.close();
});

test('readiness: the engine\'s verdict, and a probe can only take it away', async () => {
  const { r } = await fresh();
  await r.apply(service);
  let probe: boolean | undefined;
  r.setReadiness({ podReady: () => probe });
  await r.syncDiscoveredPods('docker', [discovered('healthy', '198.18.1.2'), discovered('unhealthy', '198.18.1.3', false)]);
  assert.equal(readyIps(r), ['198.18.1.2'], 'no probe verdict: the condition decides');
  probe = true;
  r.readinessChanged();
  assert.equal(readyIps(r), ['198.18.1.2'], 'a passing probe does not make an unhealthy container ready');
  probe = false;
  r.readinessChanged();
  assert.equal(readyIps(r), [], 'a failing probe takes a healthy one out');
  // What get shows is published: readiness changes are, one event-loop turn later.
  await r.flushed();
  assert.is((r.get('Pod', 'default', 'healthy') as Pod).status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  await r.close();
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
