import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifests } from '../../src/config/parse-manifests.ts';
import { prepareObject, resourceName } from '../../src/config/prepare-object.ts';
import { readManifestPaths } from '../../src/config/read-manifest-paths.ts';
import { ApiError } from '../../src/model/api-error.ts';
import { errorsOf, svc } from './config-helpers.ts';

function thrown(fn: () => unknown): ApiError {
  try { fn(); } catch (e) { if (e instanceof ApiError) return e; throw e; }
  throw new Error('did not throw');
}

test('the walkthrough nginx pair: two docs, Deployment skipped, Service ok', () => {
  const text = readFileSync(new URL('../../config/nginx-app.yaml', import.meta.url), 'utf8');
  const docs = parseManifests(text, 'config/nginx-app.yaml');
  assert.is(docs.length, 2);
  const [dep, service] = docs.map(prepareObject);
  assert.equal(dep, { status: 'skipped', kind: 'Deployment', apiVersion: 'apps/v1', name: 'nginx-deployment',
    reason: 'kind Deployment (apps/v1) is not served by switchyard; it serves Service, Endpoints, EndpointSlice and Pod' });
  assert.is(service.status, 'ok');
  if (service.status === 'ok' && service.object.kind === 'Service') {
    assert.is(service.object.metadata.name, 'nginx-svc');
    assert.equal(service.object.spec.selector, { app: 'nginx' });
    assert.equal(service.object.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]);
    assert.is(service.object.spec.type, 'NodePort');
  }
});

test('empty documents are dropped and kind List is expanded (nested too)', () => {
  const text = '---\n---\napiVersion: v1\nkind: List\nitems:\n- {kind: A}\n- kind: List\n  items: [{kind: B}]\n---\nkind: C\n';
  assert.equal(parseManifests(text, 'x.yaml'), [{ kind: 'A' }, { kind: 'B' }, { kind: 'C' }]);
});

test('JSON, including a stream of JSON objects', () => {
  assert.equal(parseManifests('{"kind":"A"}\n{"kind":"List","items":[{"kind":"B"}]}', 'x.json'), [{ kind: 'A' }, { kind: 'B' }]);
});

test('syntax errors are 400 SY_MANIFEST_SYNTAX naming source and line', () => {
  const e = thrown(() => parseManifests('kind: Service\nmetadata:\n  name: [web\n', 'config/x.yaml'));
  assert.is(e.httpStatus, 400);
  assert.is(e.code, 'SY_MANIFEST_SYNTAX');
  assert.match(e.message, /^error parsing config\/x\.yaml: line \d+: /);
  const dup = thrown(() => parseManifests('kind: A\nkind: B\n', 'config/y.yaml'));
  assert.match(dup.message, /^error parsing config\/y\.yaml: line 2: /);
  assert.match(thrown(() => parseManifests('{"kind": ', 'z.json')).message, /^error parsing z\.json: line 1: /);
});

test('readManifestPaths: files, sorted recursive directories, stdin, missing path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sy-config-'));
  try {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'b.yaml'), 'kind: B\n');
    await writeFile(join(dir, 'a.json'), '{"kind":"A"}');
    await writeFile(join(dir, 'sub', 'c.yml'), 'kind: C\n');
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    const got = await readManifestPaths([dir, '-'], async () => 'kind: S\n');
    assert.equal(got.map((g) => g.source), [join(dir, 'a.json'), join(dir, 'b.yaml'), join(dir, 'sub', 'c.yml'), 'STDIN']);
    assert.equal(got.map((g) => g.text), ['{"kind":"A"}', 'kind: B\n', 'kind: C\n', 'kind: S\n']);
    const one = await readManifestPaths([join(dir, 'notes.txt')]);
    assert.equal(one, [{ source: join(dir, 'notes.txt'), text: 'ignored' }]);
    const missing = join(dir, 'nope.yaml');
    try {
      await readManifestPaths([missing]);
      assert.unreachable('missing path accepted');
    } catch (e) {
      assert.instance(e, ApiError);
      assert.is((e as ApiError).code, 'SY_PATH_NOT_FOUND');
      assert.is((e as ApiError).message, `the path "${missing}" does not exist`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('resourceName gives kubectl prefixes', () => {
  assert.is(resourceName('Service', 'v1'), 'service');
  assert.is(resourceName('Pod', 'v1'), 'pod');
  assert.is(resourceName('Endpoints', 'v1'), 'endpoints');
  assert.is(resourceName('EndpointSlice', 'discovery.k8s.io/v1'), 'endpointslice.discovery.k8s.io');
  assert.is(resourceName('Deployment', 'apps/v1'), 'deployment.apps');
});

test('a served kind at another apiVersion is skipped with what to change', () => {
  const r = prepareObject({ apiVersion: 'v2', kind: 'Service', metadata: { name: 'x' } });
  assert.equal(r, { status: 'skipped', kind: 'Service', apiVersion: 'v2', name: 'x', reason: 'kind Service is served by switchyard as v1, not v2; change apiVersion to v1' });
});

test('prepareObject does not mutate its input', () => {
  const raw = svc({});
  const before = JSON.stringify(raw);
  prepareObject(raw);
  assert.is(JSON.stringify(raw), before);
});

test('garbage input gives field errors, never a TypeError', () => {
  assert.equal(errorsOf(svc({ ports: [{ port: 'abc' }] })), ['spec.ports[0].port: Invalid value: "abc": must be an integer']);
  assert.equal(errorsOf(svc({ ports: { port: 80 }, selector: ['app'] })), [
    'spec.ports: Invalid value: {"port":80}: must be a list', 'spec.selector: Invalid value: ["app"]: must be an object']);
  assert.equal(errorsOf(svc({ ports: [null, 80] })), [
    'spec.ports[0]: Invalid value: null: must be an object', 'spec.ports[1]: Invalid value: 80: must be an object']);
  assert.equal(errorsOf({ apiVersion: 'v1', kind: 'Service', metadata: 'web', spec: 7 }), [
    'metadata: Invalid value: "web": must be an object', 'spec: Invalid value: 7: must be an object']);
  assert.equal(errorsOf(svc({}, { name: 'web', labels: { version: 2 } })), ['metadata.labels[version]: Invalid value: 2: must be a string']);
  assert.equal(errorsOf(svc({ ports: [{ port: 80.5 }], allocateLoadBalancerNodePorts: 'yes' })), [
    'spec.ports[0].port: Invalid value: 80.5: must be an integer', 'spec.allocateLoadBalancerNodePorts: Invalid value: "yes": must be a boolean']);
  // null on a field means unset, as in Go's decoder: ports: null is a missing ports list.
  assert.equal(errorsOf(svc({ ports: null, selector: null })), ['spec.ports: Required value']);
  assert.equal(errorsOf({ apiVersion: 'v1', kind: 'Pod', metadata: null, spec: null, status: null }), [
    'metadata.name: Required value: name or generateName is required', 'spec.containers: Required value', 'status.podIP: Required value: switchyard needs the address the running backend listens on']);
  assert.equal(errorsOf({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x' }, subsets: [{ addresses: [{ ip: 5 }] }] }), [
    'subsets[0].addresses[0].ip: Invalid value: 5: must be a string']);
});

test('non-objects and objects without kind/apiVersion are invalid, not thrown', () => {
  for (const raw of [null, 'text', 42, [1, 2]]) assert.is(prepareObject(raw).status, 'invalid');
  const r = prepareObject({ metadata: { name: 'x' } });
  assert.equal(r, { status: 'invalid', kind: 'Object', name: 'x', errors: [
    { type: 'Required value', field: 'apiVersion', detail: 'apiVersion not set' },
    { type: 'Required value', field: 'kind', detail: 'kind not set' }] });
});

test.run();
