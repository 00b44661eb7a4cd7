// The admin API over the real registry and a real SQLite store: CRUD round trip, apply outcomes,
// 422 Status bodies, dryRun, lists, events, health and version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startAdminFixture, type AdminFixture } from '../helpers/admin-fixture.ts';

let fx: AdminFixture;
let base = '';
let registry: AdminFixture['registry'];
let agent: AdminFixture['agent'];
let logs: string[];

test.before(async () => {
  fx = await startAdminFixture('sy-admin-crud-', {  });
  ({ registry, agent, logs, base } = fx);
});

test.after(() => fx.close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await request(base + path, {
    method: method as 'GET', dispatcher: agent,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': contentType },
  });
  const text = await res.body.text();
  const isJson = String(res.headers['content-type']).startsWith('application/json');
  return { status: res.statusCode, headers: res.headers, json: isJson ? JSON.parse(text) : undefined, text };
}

const svc = (name: string, port = 80, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { app: name } },
  spec: { selector: { app: name }, ports: [{ port, targetPort: 8080 }], ...extra },
});

test('health and version endpoints', async () => {
  for (const p of ['/healthz', '/readyz', '/livez']) {
    const r = await call('GET', p);
    assert.is(r.status, 200);
    assert.is(r.text, 'ok');
  }
  const v = await call('GET', '/version');
  assert.is(v.status, 200);
  assert.is(v.json.node, process.version);
  assert.match(v.json.switchyard, /^\d+\.\d+\.\d+/);
});

test('POST creates (201), GET reads, POST again is 409 AlreadyExists', async () => {
  const created = await call('POST', '/api/v1/namespaces/default/services', svc('web'));
  assert.is(created.status, 201);
  assert.is(created.headers['x-switchyard-outcome'], 'created');
  assert.is(created.json.kind, 'Service');
  assert.is(created.json.metadata.namespace, 'default', 'namespace filled from the path');
  assert.ok(created.json.metadata.uid);
  assert.ok(created.json.spec.clusterIP, 'a ClusterIP is allocated');
  const got = await call('GET', '/api/v1/namespaces/default/services/web');
  assert.is(got.status, 200);
  assert.is(got.json.spec.clusterIP, created.json.spec.clusterIP);
  const again = await call('POST', '/api/v1/namespaces/default/services', svc('web'));
  assert.is(again.status, 409);
  assert.is(again.json.kind, 'Status');
  assert.is(again.json.reason, 'AlreadyExists');
});

test('PUT and apply-patch PATCH report created / configured / unchanged', async () => {
  const path = '/api/v1/namespaces/default/services/api';
  const first = await call('PUT', path, svc('api'));
  assert.is(first.status, 201);
  assert.is(first.headers['x-switchyard-outcome'], 'created');
  const same = await call('PUT', path, svc('api'));
  assert.is(same.status, 200);
  assert.is(same.headers['x-switchyard-outcome'], 'unchanged');
  assert.is(same.json.spec.clusterIP, first.json.spec.clusterIP);
  // Server-side apply by one manager: created, then a port it no longer applies is dropped.
  const applyPath = '/api/v1/namespaces/default/services/api2?fieldManager=test';
  const yaml = (port: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: api2\nspec:\n  selector: {app: api}\n  ports:\n  - port: ${port}\n    targetPort: 8080\n`;
  const made = await call('PATCH', applyPath, yaml(80), 'application/apply-patch+yaml');
  assert.is(made.status, 201);
  assert.is(made.headers['x-switchyard-outcome'], 'created');
  const changed = await call('PATCH', applyPath, yaml(81), 'application/apply-patch+yaml');
  assert.is(changed.status, 200);
  assert.is(changed.headers['x-switchyard-outcome'], 'configured');
  assert.equal(changed.json.spec.ports.map((p: { port: number }) => p.port), [81]);
  assert.is(changed.json.spec.clusterIP, made.json.spec.clusterIP, 'ClusterIP kept across updates');
  const again = await call('PATCH', applyPath, yaml(81), 'application/apply-patch+yaml');
  assert.is(again.headers['x-switchyard-outcome'], 'unchanged');
  assert.is(again.json.metadata.resourceVersion, changed.json.metadata.resourceVersion);
  assert.is((await call('DELETE', '/api/v1/namespaces/default/services/api2')).status, 200);
  const viaYaml = await call('PUT', path, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  labels: {app: api}\nspec:\n  selector: {app: api}\n  ports:\n  - port: 80\n    targetPort: 8080\n', 'application/yaml');
  assert.is(viaYaml.headers['x-switchyard-outcome'], 'unchanged');
});

test('an invalid Service is a 422 Status with causes and stores nothing', async () => {
  const before = await call('GET', '/api/v1/services');
  const bad = svc('broken', 0);
  const r = await call('POST', '/api/v1/namespaces/default/services', bad);
  assert.is(r.status, 422);
  assert.is(r.json.kind, 'Status');
  assert.is(r.json.reason, 'Invalid');
  assert.is(r.json.errorCode, 'SY_INVALID');
  assert.match(r.json.message, /^Service "broken" is invalid: /);
  const cause = r.json.details.causes.find((c: { field: string }) => c.field === 'spec.ports[0].port');
  assert.ok(cause, JSON.stringify(r.json.details.causes));
  assert.is(cause.reason, 'FieldValueInvalid');
  assert.is((await call('GET', '/api/v1/namespaces/default/services/broken')).status, 404);
  const after = await call('GET', '/api/v1/services');
  assert.equal(after.json.items, before.json.items);
});

test('dryRun=All validates and allocates but stores nothing; other dryRun values are refused', async () => {
  const r = await call('POST', '/api/v1/namespaces/default/services?dryRun=All', svc('dry'));
  assert.is(r.status, 201);
  assert.is(r.json.metadata.name, 'dry');
  assert.is((await call('GET', '/api/v1/namespaces/default/services/dry')).status, 404);
  const bad = await call('POST', '/api/v1/namespaces/default/services?dryRun=Yes', svc('dry'));
  assert.is(bad.status, 400);
  assert.match(bad.json.message, /Unsupported value: "Yes"/);
  assert.is((await call('GET', '/api/v1/namespaces/default/services/dry')).status, 404);
  const delDry = await call('DELETE', '/api/v1/namespaces/default/services/web?dryRun=All');
  assert.is(delDry.status, 200);
  assert.is((await call('GET', '/api/v1/namespaces/default/services/web')).status, 200);
});

test('lists span namespaces, filter by namespace and by label', async () => {
  const other = await call('PUT', '/api/v1/namespaces/team-b/services/web', svc('web', 90));
  assert.is(other.status, 201);
  const all = await call('GET', '/api/v1/services');
  assert.is(all.json.kind, 'ServiceList');
  assert.is(all.json.apiVersion, 'v1');
  assert.type(all.json.metadata.resourceVersion, 'string');
  const keys = all.json.items.map((s: { metadata: { namespace: string; name: string } }) => `${s.metadata.namespace}/${s.metadata.name}`);
  assert.equal(keys, ['default/api', 'default/web', 'team-b/web']);
  const ns = await call('GET', '/api/v1/namespaces/team-b/services');
  assert.equal(ns.json.items.map((s: { metadata: { name: string } }) => s.metadata.name), ['web']);
  const byLabel = await call('GET', '/api/v1/services?labelSelector=app%3Dweb');
  assert.equal(byLabel.json.items.map((s: { metadata: { namespace: string } }) => s.metadata.namespace), ['default', 'team-b']);
  const notLabel = await call('GET', '/api/v1/services?labelSelector=app!%3Dweb');
  assert.equal(notLabel.json.items.map((s: { metadata: { name: string } }) => s.metadata.name), ['api']);
  const byField = await call('GET', '/api/v1/services?fieldSelector=metadata.namespace%3Dteam-b');
  assert.is(byField.json.items.length, 1);
  const slices = await call('GET', '/apis/discovery.k8s.io/v1/endpointslices');
  assert.is(slices.status, 200);
  assert.is(slices.json.kind, 'EndpointSliceList');
  assert.is(slices.json.apiVersion, 'discovery.k8s.io/v1');
  const pods = await call('GET', '/api/v1/pods');
  assert.is(pods.json.kind, 'PodList');
});

test('EndpointSlices and Pods are served at their own paths', async () => {
  const slice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'manual-1', labels: { 'kubernetes.io/service-name': 'manual' } },
    addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ port: 8080, protocol: 'TCP' }],
  };
  const put = await call('PUT', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/manual-1', slice);
  assert.is(put.status, 201, put.text);
  const got = await call('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/manual-1');
  assert.equal(got.json.endpoints[0].addresses, ['127.0.0.1']);
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] }, status: { podIP: '127.0.0.1' },
  };
  const created = await call('POST', '/api/v1/namespaces/default/pods', pod);
  assert.is(created.status, 201, created.text);
  const del = await call('DELETE', '/api/v1/namespaces/default/pods/web-1');
  assert.is(del.status, 200);
  assert.is(del.json.metadata.name, 'web-1');
});

test('events of one Service through fieldSelector', async () => {
  registry.recordEvent({ kind: 'Service', namespace: 'default', name: 'api' }, 'Normal', 'Tested', 'hello from the test');
  registry.recordEvent({ kind: 'Service', namespace: 'default', name: 'web' }, 'Warning', 'Other', 'not this one');
  const r = await call('GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dapi,involvedObject.kind%3DService');
  assert.is(r.status, 200);
  assert.is(r.json.kind, 'EventList');
  const mine = r.json.items.filter((e: { reason: string }) => e.reason === 'Tested');
  assert.is(mine.length, 1);
  assert.ok(r.json.items.every((e: { involvedObject: { name: string } }) => e.involvedObject.name === 'api'));
  const bad = await call('GET', '/api/v1/namespaces/default/events?fieldSelector=spec.foo%3Dbar');
  assert.is(bad.status, 400);
  assert.is((await call('POST', '/api/v1/namespaces/default/events', { kind: 'Event' })).status, 405);
});

test('DELETE returns the object, then 404 Status; the deletion is durable', async () => {
  const del = await call('DELETE', '/api/v1/namespaces/team-b/services/web');
  assert.is(del.status, 200);
  assert.is(del.json.kind, 'Service');
  assert.is(del.json.metadata.name, 'web');
  const gone = await call('DELETE', '/api/v1/namespaces/team-b/services/web');
  assert.is(gone.status, 404);
  assert.is(gone.json.reason, 'NotFound');
  assert.is((await call('GET', '/api/v1/namespaces/team-b/services/web')).status, 404);
  assert.equal(logs.filter((l) => l.includes('failed')), [], 'no unexpected errors logged');
});

test.run();
