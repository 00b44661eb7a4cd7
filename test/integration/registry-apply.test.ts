// The registry over a real SQLite store in a temp dir: apply outcomes, allocations that never move
// (re-apply, restart), invalid input that changes nothing, delete releasing, and the walkthrough's
// scaling of Pods behind a selector Service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChangeNotice } from '../../src/control/control-plane-api.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { Endpoints, Pod, Service } from '../../src/model/types.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

const work = mkdtempSync(join(tmpdir(), 'sy-registry-'));
let n = 0;
const open = async (dir: string, extra: { nodePortRange?: string; serviceCidr?: string } = {}) =>
  createRegistry({ store: await openSqliteStore(dir), clock: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678), ...extra });
const fresh = () => open(join(work, `r${++n}`));

const svc = (name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, ...(labels ? { labels } : {}) },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});
const pod = (name: string, app: string, ip: string, ready = true) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

async function rejects(p: Promise<unknown>): Promise<ApiError> {
  try { await p; } catch (err) { assert.instance(err, ApiError); return err as ApiError; }
  throw new Error('expected a rejection');
}

const readyIps = (r: Registry, name: string) =>
  r.serviceSlices('default', name).flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.addresses[0])).sort();

test('created, unchanged, configured; bookkeeping set; unchanged writes nothing', async () => {
  const r = await fresh();
  const a = await r.apply(svc('web'));
  assert.is(a.outcome, 'created');
  const m = a.object.metadata;
  assert.is(m.namespace, 'default');
  assert.match(m.uid!, /^[0-9a-f-]{36}$/);
  assert.is(m.creationTimestamp, '2026-01-02T03:04:05Z');
  assert.is(m.generation, 1);
  assert.is((a.object as Service).spec.clusterIP, '127.96.0.1');

  const same = await r.apply(svc('web'));
  assert.is(same.outcome, 'unchanged');
  assert.is(same.object.metadata.resourceVersion, m.resourceVersion);

  const changed = await r.apply(svc('web', {}, { tier: 'front' }));
  assert.is(changed.outcome, 'configured');
  assert.is(changed.object.metadata.uid, m.uid);
  assert.is(changed.object.metadata.generation, 1, 'a metadata-only change keeps the generation');
  const respec = await r.apply(svc('web', { ports: [{ port: 81 }] }, { tier: 'front' }));
  assert.is(respec.outcome, 'configured');
  assert.is(respec.object.metadata.generation, 2);
  assert.is((respec.object as Service).spec.clusterIP, '127.96.0.1');
  assert.ok(Number(changed.object.metadata.resourceVersion) > Number(m.resourceVersion));
  await r.close();
});

test('allocated clusterIP and nodePorts survive re-apply and restart; TCP+UDP share a nodePort', async () => {
  const dir = join(work, 'restart');
  let r = await open(dir);
  const manifest = svc('dns', { type: 'NodePort', ports: [
    { name: 'dns-udp', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'web', port: 80 }] });
  await r.apply(svc('first'));
  const s = (await r.apply(manifest)).object as Service;
  const ip = s.spec.clusterIP;
  const nodePorts = s.spec.ports!.map((p) => p.nodePort);
  assert.is(ip, '127.96.0.2');
  assert.equal(nodePorts, [30000, 30000, 30001]);
  assert.is((await r.apply(manifest)).outcome, 'unchanged');
  await r.close();

  r = await open(dir);
  const again = await r.apply(manifest);
  assert.is(again.outcome, 'unchanged');
  assert.is((again.object as Service).spec.clusterIP, ip);
  assert.equal((again.object as Service).spec.ports!.map((p) => p.nodePort), nodePorts);
  // Restored allocations are reserved: new Services get other addresses and ports.
  const other = (await r.apply(svc('other', { type: 'NodePort' }))).object as Service;
  assert.is(other.spec.clusterIP, '127.96.0.3');
  assert.is(other.spec.ports![0].nodePort, 30002);
  const clash = await rejects(r.apply(svc('clash', { type: 'NodePort', ports: [{ port: 1, nodePort: 30001 }] })));
  assert.is(clash.message, 'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated');
  const ipClash = await rejects(r.apply(svc('ipclash', { clusterIP: ip })));
  assert.is(ipClash.message, `Service "ipclash" is invalid: spec.clusterIPs[0]: Invalid value: "${ip}": failed to allocate IP ${ip}: provided IP is already allocated`);
  // Changing an allocated clusterIP is refused.
  const moved = await rejects(r.apply(svc('dns', { ...manifest.spec, clusterIP: '127.96.0.50' })));
  assert.match(moved.message, 'may not change once set');
  await r.close();
});

test('invalid objects and failed allocations change nothing and leak nothing', async () => {
  const r = await fresh();
  const seen: ChangeNotice[] = [];
  r.subscribe((x) => seen.push(x));
  const bad = await rejects(r.apply(svc('bad', { ports: [{ port: 0, targetPort: 80 }] })));
  assert.is(bad.httpStatus, 422);
  assert.is(bad.message, 'Service "bad" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  const out = await rejects(r.apply(svc('out', { clusterIP: '10.0.0.1' })));
  assert.is(out.message, 'Service "out" is invalid: spec.clusterIPs[0]: Invalid value: "10.0.0.1": failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/12');
  // The IP was taken before the nodePort failed: it must be free again.
  const np = await rejects(r.apply(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })));
  assert.is(np.message, 'Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
  assert.equal(r.list('Service'), []);
  assert.equal(seen, []);
  const ok = (await r.apply(svc('ok', { type: 'NodePort' }))).object as Service;
  assert.is(ok.spec.clusterIP, '127.96.0.1');
  assert.is(ok.spec.ports![0].nodePort, 30000);
  const dry = await r.apply(svc('dry', { type: 'NodePort' }), { dryRun: true });
  assert.is(dry.outcome, 'created');
  assert.is(r.get('Service', 'default', 'dry'), undefined);
  const after = (await r.apply(svc('after', { type: 'NodePort' }))).object as Service;
  assert.is(after.spec.clusterIP, '127.96.0.2', 'a dry run must not keep its allocation');
  const dup = await rejects(r.apply(svc('ok'), { mode: 'create' }));
  assert.is(dup.httpStatus, 409);
  await r.close();
});

test('delete releases the clusterIP and nodePorts; unknown objects are 404', async () => {
  const r = await fresh();
  await r.apply(svc('a', { type: 'NodePort' }));
  await r.apply(svc('b', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
  const b = r.get('Service', 'default', 'b') as Service;
  assert.is(b.spec.healthCheckNodePort, 30002);
  await r.delete('Service', 'default', 'a');
  assert.is(r.get('Service', 'default', 'a'), undefined);
  const c = (await r.apply(svc('c', { type: 'NodePort' }))).object as Service;
  assert.is(c.spec.clusterIP, '127.96.0.1');
  assert.is(c.spec.ports![0].nodePort, 30000);
  const missing = await rejects(r.delete('Service', 'default', 'nope'));
  assert.is(missing.httpStatus, 404);
  assert.is(missing.message, 'services "nope" not found');
  await r.close();
});

test('walkthrough: scaling Pods 2 → 3 → 1 changes endpoints and notifies the Service', async () => {
  const r = await fresh();
  const seen: ChangeNotice[] = [];
  r.subscribe((x) => seen.push(x));
  await r.apply(svc('nginx'));
  await r.apply(pod('nginx-1', 'nginx', '127.0.0.11'));
  await r.apply(pod('nginx-2', 'nginx', '127.0.0.12'));
  await r.apply(pod('other', 'db', '127.0.0.99'));
  assert.equal(readyIps(r, 'nginx'), ['127.0.0.11', '127.0.0.12']);
  seen.length = 0;
  await r.apply(pod('nginx-3', 'nginx', '127.0.0.13'));
  assert.equal(readyIps(r, 'nginx'), ['127.0.0.11', '127.0.0.12', '127.0.0.13']);
  assert.equal(seen, [{ services: ['default/nginx'] }]);
  await r.delete('Pod', 'default', 'nginx-2');
  await r.delete('Pod', 'default', 'nginx-3');
  assert.equal(readyIps(r, 'nginx'), ['127.0.0.11']);
  const ep = r.get('Endpoints', 'default', 'nginx') as Endpoints;
  assert.equal(ep.subsets?.[0].addresses?.map((a) => a.ip), ['127.0.0.11']);
  assert.ok(r.list('EndpointSlice', 'default').some((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'nginx'));
  // A Pod that turns not-ready leaves the ready set; readiness from the source overrides conditions.
  await r.apply(pod('nginx-1', 'nginx', '127.0.0.11', false));
  assert.equal(readyIps(r, 'nginx'), []);
  let healthy = true;
  r.setReadiness({ podReady: (p: Pod) => (p.metadata.name === 'nginx-1' ? healthy : undefined) });
  seen.length = 0;
  r.readinessChanged();
  assert.equal(readyIps(r, 'nginx'), ['127.0.0.11']);
  assert.equal(seen, [{ services: ['default/nginx'] }]);
  healthy = false;
  r.readinessChanged();
  assert.equal(readyIps(r, 'nginx'), []);
  await r.close();
});

test('manual Endpoints feed a selector-less Service through mirrored slices', async () => {
  const r = await fresh();
  await r.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { ports: [{ port: 80 }] } });
  await r.apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip: '127.0.0.21' }], ports: [{ port: 9000 }] }] });
  const slices = r.serviceSlices('default', 'ext');
  assert.equal(slices.flatMap((s) => s.endpoints!.map((e) => e.addresses[0])), ['127.0.0.21']);
  assert.equal(slices[0].ports?.[0].port, 9000);
  await r.close();
});

test('a relabelled Pod leaves one Service and joins another; applied Endpoints of a selector Service are overridden', async () => {
  const r = await fresh();
  await r.apply(svc('a'));
  await r.apply(svc('b'));
  await r.apply(pod('p', 'a', '127.0.0.31'));
  assert.equal([readyIps(r, 'a'), readyIps(r, 'b')], [['127.0.0.31'], []]);
  const seen: ChangeNotice[] = [];
  r.subscribe((x) => seen.push(x));
  await r.apply(pod('p', 'b', '127.0.0.31'));
  assert.equal([readyIps(r, 'a'), readyIps(r, 'b')], [[], ['127.0.0.31']]);
  assert.equal(seen, [{ services: ['default/a', 'default/b'] }]);
  const manual = await r.apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'b' }, subsets: [{ addresses: [{ ip: '127.0.0.99' }], ports: [{ port: 1 }] }] });
  // The controller's Endpoints of that name exist already, as upstream.
  assert.is(manual.outcome, 'configured');
  const shown = r.get('Endpoints', 'default', 'b') as Endpoints;
  assert.equal(shown.subsets?.[0].addresses?.map((x) => x.ip), ['127.0.0.31']);
  assert.equal(readyIps(r, 'b'), ['127.0.0.31']);
  assert.is(r.list('Endpoints').filter((e) => e.metadata.name === 'b').length, 1);
  await r.close();
});

test('concurrent applies are serialized and each gets its own address', async () => {
  const r = await fresh();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => r.apply(svc(`s${i}`, { type: 'NodePort' }))));
  const ips = new Set(results.map((x) => (x.object as Service).spec.clusterIP));
  const nps = new Set(results.map((x) => (x.object as Service).spec.ports![0].nodePort));
  assert.is(ips.size, 20);
  assert.is(nps.size, 20);
  assert.is(r.list('Service').length, 20);
  await r.close();
});

test('events aggregate repeats', async () => {
  const r = await fresh();
  const ref = { kind: 'Service', namespace: 'default', name: 'web' };
  r.recordEvent(ref, 'Warning', 'NoEndpoints', 'no ready endpoints');
  r.recordEvent(ref, 'Warning', 'NoEndpoints', 'no ready endpoints');
  r.recordEvent({ ...ref, name: 'api' }, 'Normal', 'Bound', 'listening');
  const evs = r.events({ name: 'web' });
  assert.is(evs.length, 1);
  assert.is(evs[0].count, 2);
  assert.is(r.events({}).length, 2);
  await r.close();
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
