// The three patch types the API accepts, against the served kinds' merge keys (API spec §7.3, §7.4).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resourceOfKind } from '../../src/api/api-resources.ts';
import { applyJsonPatch } from '../../src/api/json-patch.ts';
import { applyMergePatch } from '../../src/api/merge-patch.ts';
import { PatchError } from '../../src/api/patch-error.ts';
import { applyStrategicMergePatch } from '../../src/api/strategic-merge-patch.ts';

const SVC = resourceOfKind('Service').schema;
const POD = resourceOfKind('Pod').schema;
const service = () => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
  spec: {
    selector: { app: 'web' }, clusterIPs: ['127.96.0.1'],
    ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }],
  },
});

test('strategic merge: ports merge by port, a $patch delete removes one, $setElementOrder orders them', () => {
  const out = applyStrategicMergePatch(service(), {
    metadata: { labels: { tier: null, zone: 'a' } },
    spec: {
      '$setElementOrder/ports': [{ port: 8081 }, { port: 80 }],
      ports: [{ port: 80, targetPort: 9090 }, { port: 8081, name: 'alt' }, { $patch: 'delete', port: 443 }],
    },
  }, SVC) as ReturnType<typeof service>;
  assert.equal(out.metadata.labels, { app: 'web', zone: 'a' });
  assert.equal(out.spec.ports, [{ port: 8081, name: 'alt' }, { name: 'http', port: 80, targetPort: 9090 }]);
});

test('strategic merge: lists without a strategy are replaced; $patch replace replaces a map; directives never stored', () => {
  const out = applyStrategicMergePatch(service(), { spec: { clusterIPs: ['127.96.0.2'], selector: { $patch: 'replace', role: 'x' } } }, SVC) as ReturnType<typeof service>;
  assert.equal(out.spec.clusterIPs, ['127.96.0.2']);
  assert.equal(out.spec.selector, { role: 'x' });
  assert.not.ok(JSON.stringify(out).includes('$'));
});

test('strategic merge: containers by name, container ports by containerPort, finalizers as a set', () => {
  const pod = {
    metadata: { finalizers: ['a', 'b'] },
    spec: { containers: [{ name: 'a', image: 'nginx:1.26', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }, { name: 'b' }] },
  };
  const out = applyStrategicMergePatch(pod, {
    metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
    spec: { containers: [{ name: 'a', image: 'nginx:1.27', ports: [{ $patch: 'delete', containerPort: 9090 }] }] },
  }, POD) as typeof pod;
  assert.equal(out.metadata.finalizers, ['b', 'c']);
  assert.equal(out.spec.containers, [{ name: 'a', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }, { name: 'b' }]);
});

test('strategic merge: $retainKeys drops the keys not listed; an unknown directive is refused', () => {
  const out = applyStrategicMergePatch({ spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
    { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] } }, POD) as { spec: { volumes: unknown[] } };
  assert.equal(out.spec.volumes, [{ name: 'v', hostPath: { path: '/x' } }]);
  assert.throws(() => applyStrategicMergePatch({}, { spec: { $patch: 'explode' } }, POD), (e: Error) => e instanceof PatchError && /Unknown patch type/.test(e.message));
  assert.throws(() => applyStrategicMergePatch(service(), { spec: { ports: [{ name: 'x' }] } }, SVC), /does not contain declared merge key: port/);
});

test('merge patch: objects merge, null deletes, lists replace', () => {
  assert.equal(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] }), { a: { b: 1, d: 3 }, l: [3] });
  assert.equal(applyMergePatch({ a: 1 }, 'x'), 'x');
});

test('JSON patch: add, remove, replace, move, copy, test, escaped pointers, out-of-range indices', () => {
  const doc = { metadata: { annotations: { 'a/b': 'x' } }, list: [1, 2, 3] };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'remove', path: '/list/0' },
    { op: 'replace', path: '/metadata/annotations/a~1b', value: 'y' },
    { op: 'copy', from: '/list/0', path: '/first' },
    { op: 'move', from: '/first', path: '/moved' },
    { op: 'test', path: '/moved', value: 2 },
  ]);
  assert.equal(out, { metadata: { annotations: { 'a/b': 'y' } }, list: [2, 3, 4], moved: 2 });
  assert.equal(doc.list, [1, 2, 3], 'the input is not changed');
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }]), /test failed/);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/list/7', value: 1 }]), /out of bounds/);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]), /nonexistent/);
  assert.throws(() => applyJsonPatch(doc, { op: 'add' }), /list of operations/);
});

test.run();
