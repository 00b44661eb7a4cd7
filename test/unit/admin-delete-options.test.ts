// DeleteOptions from a DELETE's body and query (API spec §7.2, apimachinery ValidateDeleteOptions),
// and which paths take DELETE at all: items, and the namespaced collections of the kinds that
// publish `deletecollection` — the verb discovery and OpenAPI show for exactly those.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { API_RESOURCES } from '../../src/api/api-resources.ts';
import { aggregatedDiscovery, apiResourceList } from '../../src/api/discovery-documents.ts';
import { openApiDocuments } from '../../src/api/openapi-document.ts';
import { deleteOptionsOf } from '../../src/admin/delete-options.ts';
import { allowedMethods, resolveResourcePath } from '../../src/admin/resource-path.ts';
import { ApiError } from '../../src/model/api-error.ts';

const q = (s = '') => new URLSearchParams(s);

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}

test('dryRun comes from the query and the body alike; preconditions from the body', () => {
  assert.equal(deleteOptionsOf(q(), {}), { dryRun: false, preconditions: {} });
  assert.equal(deleteOptionsOf(q('dryRun=All'), {}).dryRun, true);
  assert.equal(deleteOptionsOf(q(), { dryRun: ['All'], propagationPolicy: 'Background' }).dryRun, true);
  assert.equal(deleteOptionsOf(q(), { dryRun: [] }).dryRun, false);
  assert.equal(deleteOptionsOf(q(), { preconditions: { uid: 'u-1', resourceVersion: '7' } }).preconditions, { uid: 'u-1', resourceVersion: '7' });
  // kubectl's body, and client-node's query form of the options that do nothing here.
  assert.equal(deleteOptionsOf(q(), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0 }), { dryRun: false, preconditions: {} });
  assert.equal(deleteOptionsOf(q('gracePeriodSeconds=30&propagationPolicy=Orphan'), {}), { dryRun: false, preconditions: {} });
  assert.equal(deleteOptionsOf(q('orphanDependents=false'), {}), { dryRun: false, preconditions: {} });
});

test('a dryRun other than All is 400 SY_BAD_DRY_RUN, wherever it is', () => {
  for (const [query, body] of [['dryRun=Some', {}], ['', { dryRun: ['All', 'x'] }]] as const) {
    const e = failure(() => deleteOptionsOf(q(query), body));
    assert.is(e.httpStatus, 400);
    assert.is(e.code, 'SY_BAD_DRY_RUN');
  }
  assert.is(failure(() => deleteOptionsOf(q(), { dryRun: 'All' })).code, 'SY_BAD_DELETE_OPTIONS');
});

test('propagationPolicy is one of three and never beside orphanDependents: 422 on DeleteOptions', () => {
  const e = failure(() => deleteOptionsOf(q('propagationPolicy=Later'), {}));
  assert.is(e.httpStatus, 422);
  assert.is(e.code, 'SY_BAD_DELETE_OPTIONS');
  assert.is(e.message, 'DeleteOptions "" is invalid: propagationPolicy: Unsupported value: "Later": supported values: "Background", "Foreground", "Orphan", "nil"');
  assert.is(e.details?.group, 'meta.k8s.io');
  const both = failure(() => deleteOptionsOf(q(), { propagationPolicy: 'Orphan', orphanDependents: true }));
  assert.is(both.httpStatus, 422);
  assert.match(both.message, /propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set/);
  // The body's policy is the one checked when both carry one.
  assert.is(deleteOptionsOf(q('propagationPolicy=Later'), { propagationPolicy: 'Background' }).dryRun, false);
});

test('gracePeriodSeconds must be an integer; preconditions strings in an object: 400', () => {
  for (const [query, body] of [['gracePeriodSeconds=soon', {}], ['', { gracePeriodSeconds: 1.5 }], ['', { gracePeriodSeconds: '5' }],
    ['', { preconditions: ['uid'] }], ['', { preconditions: { uid: 7 } }], ['', { orphanDependents: 'yes' }]] as const) {
    const e = failure(() => deleteOptionsOf(q(query), body as Record<string, unknown>));
    assert.is(e.httpStatus, 400, `${query} ${JSON.stringify(body)}`);
    assert.is(e.code, 'SY_BAD_DELETE_OPTIONS');
  }
  assert.equal(deleteOptionsOf(q('gracePeriodSeconds=-1'), {}).dryRun, false);
});

test('DELETE goes to items and to the namespaced collections that publish deletecollection, nowhere else', () => {
  const methods = (p: string) => allowedMethods(resolveResourcePath(p)!);
  for (const p of ['/api/v1/namespaces/a/services', '/api/v1/namespaces/a/endpoints', '/api/v1/namespaces/a/pods', '/apis/discovery.k8s.io/v1/namespaces/a/endpointslices']) {
    assert.equal(methods(p), ['GET', 'HEAD', 'POST', 'DELETE'], p);
  }
  assert.equal(methods('/api/v1/namespaces'), ['GET', 'HEAD', 'POST']);
  for (const p of ['/api/v1/pods', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/namespaces/a/events', '/api/v1/watch/namespaces/a/pods',
    '/apis/coordination.k8s.io/v1/namespaces/a/leases']) {
    assert.equal(methods(p), ['GET', 'HEAD'], p);
  }
  assert.equal(methods('/api/v1/namespaces/a/pods/p'), ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);
  assert.equal(methods('/api/v1/namespaces/a'), ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);
});

test('discovery (aggregated and legacy) and OpenAPI show deletecollection for exactly those resources', () => {
  const expected = ['endpoints', 'endpointslices', 'pods', 'services'];
  const aggregated = [aggregatedDiscovery(true), aggregatedDiscovery(false)].flatMap((d) =>
    (d.items as { versions: { resources: { resource: string; verbs: string[] }[] }[] }[]).flatMap((g) => g.versions[0].resources));
  assert.equal(aggregated.filter((r) => r.verbs.includes('deletecollection')).map((r) => r.resource).sort(), expected);
  const legacy = [apiResourceList('', 'v1'), apiResourceList('discovery.k8s.io', 'v1'), apiResourceList('coordination.k8s.io', 'v1')].flatMap((d) =>
    (d!.resources as { name: string; verbs: string[] }[]));
  assert.equal(legacy.filter((r) => r.verbs.includes('deletecollection')).map((r) => r.name).sort(), expected);
  assert.equal(aggregated.find((r) => r.resource === 'services')!.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  assert.equal(aggregated.find((r) => r.resource === 'namespaces')!.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  const actions: string[] = [];
  for (const doc of openApiDocuments()) {
    for (const [path, ops] of Object.entries(JSON.parse(doc.body).paths as Record<string, Record<string, { 'x-kubernetes-action': string }>>)) {
      if (ops.delete?.['x-kubernetes-action'] === 'deletecollection') actions.push(path.split('/').at(-1)!);
    }
  }
  assert.equal(actions.sort(), expected);
  assert.is(API_RESOURCES.filter((r) => r.verbs.includes('deletecollection')).length, expected.length);
});

test.run();
