// The Kubernetes API conventions over real HTTP, beyond what kubectl's own test exercises:
// discovery by content type, limit/continue, selectors, resourceVersion rules, Tables with row
// objects, watches that see objects leave their selector, sendInitialEvents, patch errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-kube-api-'));
let registry: Registry;
let admin: AdminServer;
let base = '';
const SVC = '/api/v1/namespaces/default/services';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function get(path: string, accept = 'application/json'): Promise<{ status: number; type: string; json: any }> {
  const r = await fetch(base + path, { headers: { accept } });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', json: text ? JSON.parse(text.split('\n')[0]) : undefined };
}

/** The lines of a watch until `count` events arrived (then the request is aborted). */
async function watchLines(path: string, count: number, during: () => Promise<void> = async () => {}): Promise<any[]> {
  const ctl = new AbortController();
  const r = await fetch(base + path, { signal: ctl.signal });
  assert.is(r.status, 200);
  const reader = r.body!.getReader();
  const out: any[] = [];
  let buf = '';
  const reading = (async () => {
    const deadline = Date.now() + 10_000;
    while (out.length < count && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) { out.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); }
    }
  })();
  await during();
  await reading;
  ctl.abort();
  return out;
}

test.before(async () => {
  registry = await createRegistry({ store: await openSqliteStore(join(dir, 'state')) });
  admin = await startAdminServer({ control: registry, host: '127.0.0.1', port: 0, log: () => {}, watch: { bookmarkIntervalMs: 100 } });
  base = `http://127.0.0.1:${admin.port}`;
  for (let i = 0; i < 7; i++) {
    await registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, labels: { tier: i % 2 ? 'fe' : 'be', n: String(i) } }, spec: { ports: [{ port: 80 + i }] } });
  }
});

test.after(async () => {
  await admin.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

test('discovery answers aggregated v2 only when asked, legacy documents otherwise', async () => {
  const agg = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
  assert.is(agg.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.is(agg.json.items[0].metadata.name, 'discovery.k8s.io');
  const legacy = await get('/apis');
  assert.is(legacy.json.kind, 'APIGroupList');
  assert.is((await get('/api')).json.kind, 'APIVersions');
  const core = await get('/api/v1');
  const services = core.json.resources.find((r: { name: string }) => r.name === 'services');
  assert.equal([services.singularName, services.namespaced, services.kind, services.shortNames], ['service', true, 'Service', ['svc']]);
  assert.is((await get('/apis/discovery.k8s.io')).json.preferredVersion.groupVersion, 'discovery.k8s.io/v1');
  const index = await get('/openapi/v3');
  const url = index.json.paths['api/v1'].serverRelativeURL;
  const doc = await get(url);
  const patch = doc.json.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'), 'kubectl\'s fieldValidation probe');
  assert.equal(doc.json.components.schemas['io.k8s.api.core.v1.ServiceSpec'].properties.ports['x-kubernetes-patch-merge-key'], 'port');
  const stale = await fetch(`${base}/openapi/v3/api/v1?hash=old`, { redirect: 'manual' });
  assert.is(stale.status, 301);
  const v2 = await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  assert.is(v2.status, 200);
  assert.ok(Buffer.from(await v2.arrayBuffer()).includes(Buffer.from('io.k8s.api.core.v1.ServiceSpec')));
});

test('limit and continue page over one snapshot; remainingItemCount; an unknown token is 410', async () => {
  const first = await get(`${SVC}?limit=3`);
  assert.equal(first.json.items.map((s: any) => s.metadata.name), ['s0', 's1', 's2']);
  assert.is(first.json.metadata.remainingItemCount, 4);
  // A change between pages does not show in the paged list: it is one consistent snapshot.
  await registry.delete('Service', 'default', 's4');
  const second = await get(`${SVC}?limit=3&continue=${first.json.metadata.continue}`);
  assert.equal(second.json.items.map((s: any) => s.metadata.name), ['s3', 's4', 's5']);
  assert.is(second.json.metadata.resourceVersion, first.json.metadata.resourceVersion);
  const last = await get(`${SVC}?limit=3&continue=${second.json.metadata.continue}`);
  assert.equal(last.json.items.map((s: any) => s.metadata.name), ['s6']);
  assert.is(last.json.metadata.continue, undefined);
  const gone = await get(`${SVC}?limit=3&continue=${second.json.metadata.continue}`);
  assert.equal([gone.status, gone.json.reason], [410, 'Expired']);
});

test('label selectors (set-based too) and field selectors; unsupported field labels are 400', async () => {
  const names = async (q: string) => (await get(`${SVC}?${q}`)).json.items.map((s: any) => s.metadata.name);
  assert.equal(await names('labelSelector=tier%3Dfe'), ['s1', 's3', 's5']);
  assert.equal(await names(`labelSelector=${encodeURIComponent('n in (0,2),tier!=fe')}`), ['s0', 's2']);
  assert.equal(await names(`labelSelector=${encodeURIComponent('n notin (0,1,2,3,5,6)')}`), []);
  assert.equal(await names(`labelSelector=${encodeURIComponent('!tier')}`), []);
  assert.equal(await names('fieldSelector=metadata.name%3Ds2'), ['s2']);
  assert.equal((await get('/api/v1/services?fieldSelector=metadata.namespace%3Ddefault,spec.type%3DClusterIP')).json.items.length, 6);
  const bad = await get(`${SVC}?fieldSelector=spec.ports%3D1`);
  assert.equal([bad.status, bad.json.reason], [400, 'BadRequest']);
  assert.match(bad.json.message, /field label not supported: spec\.ports/);
});

test('resourceVersion: a future one is 504 Too large; Exact with an old one is 410; sendInitialEvents on a list is refused', async () => {
  const rv = Number((await get(SVC)).json.metadata.resourceVersion);
  const future = await get(`${SVC}?resourceVersion=${rv + 1000}`);
  assert.equal([future.status, future.json.reason], [504, 'Timeout']);
  const exact = await get(`${SVC}?resourceVersion=1&resourceVersionMatch=Exact`);
  assert.is(exact.status, 410);
  const forbidden = await get(`${SVC}?sendInitialEvents=true`);
  assert.equal([forbidden.status, forbidden.json.details.causes[0].field], [422, 'sendInitialEvents']);
});

test('Tables carry the columns and, per includeObject, row objects', async () => {
  const t = await get(SVC, TABLE);
  assert.is(t.json.kind, 'Table');
  assert.equal(t.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  assert.is(t.json.rows[0].object.kind, 'PartialObjectMetadata');
  assert.is(t.json.rows[0].object.metadata.namespace, 'default');
  assert.is((await get(`${SVC}?includeObject=Object`, TABLE)).json.rows[0].object.kind, 'Service');
  assert.is((await get(`${SVC}?includeObject=None`, TABLE)).json.rows[0].object, undefined);
  const ns = await get('/api/v1/namespaces', TABLE);
  assert.ok(ns.json.rows.some((r: any) => r.cells[0] === 'kube-system' && r.cells[1] === 'Active'));
});

test('a watch sees an object leave its label selector as DELETED and come back as ADDED', async () => {
  const rv = (await get(SVC)).json.metadata.resourceVersion;
  const lines = await watchLines(`${SVC}?watch=1&labelSelector=tier%3Dfe&resourceVersion=${rv}`, 2, async () => {
    await registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's1', labels: { tier: 'gone' } }, spec: { ports: [{ port: 81 }] } });
    await registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's1', labels: { tier: 'fe' } }, spec: { ports: [{ port: 81 }] } });
  });
  assert.equal(lines.map((l) => `${l.type} ${l.object.metadata.name}`), ['DELETED s1', 'ADDED s1']);
});

test('sendInitialEvents lists the current objects, then the initial-events-end bookmark', async () => {
  const lines = await watchLines(`${SVC}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&labelSelector=tier%3Dbe`, 4);
  assert.equal(lines.slice(0, 3).map((l) => `${l.type} ${l.object.metadata.name}`), ['ADDED s0', 'ADDED s2', 'ADDED s6']);
  assert.is(lines[3].type, 'BOOKMARK');
  assert.equal(lines[3].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  const refused = await get(`${SVC}?watch=1&sendInitialEvents=true`);
  assert.is(refused.status, 422);
});

test('patches: an unknown patch type is 415, a failed JSON patch test 422, apply-patch without fieldManager 400', async () => {
  const patch = (type: string, body: string, q = '') => fetch(`${base}${SVC}/s0${q}`, { method: 'PATCH', headers: { 'content-type': type }, body });
  assert.is((await patch('application/xml', '<x/>')).status, 415);
  assert.is((await patch('application/json-patch+json', '[{"op":"test","path":"/spec/type","value":"NodePort"}]')).status, 422);
  assert.is((await patch('application/apply-patch+yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s0}\n')).status, 400);
  const warned = await patch('application/merge-patch+json', '{"spec":{"colour":"blue"}}');
  assert.is(warned.status, 200);
  assert.match(warned.headers.get('warning') ?? '', /299 - "unknown field \\"spec.colour\\""/);
  const missing = await patch('application/merge-patch+json', '{}', '').then(() => fetch(`${base}${SVC}/nope`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{}' }));
  assert.is(missing.status, 404);
});

test.run();
