import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.ts';
import { formatApiError } from '../../src/cli/cli-error.ts';
import { parseResourceArgs, singularResource } from '../../src/cli/resource-args.ts';
import { renderObjects } from '../../src/cli/printers/object-output.ts';
import { parseSelectorFlag } from '../../src/cli/expose.ts';
import { invalidError, notFoundError, ApiError } from '../../src/model/api-error.ts';
import { invalid, required } from '../../src/model/field-errors.ts';
import type { Service } from '../../src/model/types.ts';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, env: {}, readStdin: async () => '' });
  return { code, out, err };
}

test('usage errors need no server: unknown verb, unknown flag, missing flag value, bad --server', async () => {
  assert.equal(await run(['nope']), { code: 1, out: '', err: 'error: unknown command "nope" for "switchyard"\nSee \'switchyard --help\' for usage.\n' });
  assert.equal(await run(['get', 'svc', '--x']), { code: 1, out: '', err: 'error: unknown flag: --x\nSee \'switchyard get --help\' for usage.\n' });
  assert.equal(await run(['get', 'svc', '-o']), { code: 1, out: '', err: 'error: flag needs an argument: --output\nSee \'switchyard get --help\' for usage.\n' });
  const bad = await run(['get', 'svc', '--server', 'not a url']);
  assert.is(bad.code, 1);
  assert.match(bad.err, /^error: --server "not a url" is not a URL/);
  const apply = await run(['apply']);
  assert.is(apply.code, 1);
  assert.match(apply.err, /^error: must specify one of -f/);
});

test('help and version --client', async () => {
  const h = await run(['help']);
  assert.is(h.code, 0);
  for (const verb of ['serve', 'apply', 'get', 'describe', 'delete', 'expose', 'env', 'version']) assert.match(h.out, new RegExp(`\\n  ${verb} `));
  const gh = await run(['get', '--help']);
  assert.match(gh.out, /switchyard get TYPE/);
  const v = await run(['version', '--client']);
  assert.match(v.out, /^Client Version: v\d+\.\d+\.\d+\n$/);
});

test('kubectl error texts', () => {
  assert.is(formatApiError(notFoundError('services', 'x')), 'Error from server (NotFound): services "x" not found');
  assert.is(formatApiError(invalidError('Service', 'web', [invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive')])),
    'The Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  assert.is(formatApiError(invalidError('Service', 'web', [required('spec.ports'), required('metadata.name')])),
    'The Service "web" is invalid: \n* spec.ports: Required value\n* metadata.name: Required value');
  assert.is(formatApiError(new ApiError(500, 'Weird' as 'InternalError', 'SY_X', 'boom')), 'Error from server: boom');
});

test('resource arguments: aliases, TYPE/NAME, groups, unknown types', () => {
  assert.equal(parseResourceArgs(['svc', 'a', 'b'], 'get'), { kind: 'Service', refs: [{ kind: 'Service', name: 'a' }, { kind: 'Service', name: 'b' }] });
  assert.equal(parseResourceArgs(['po/x', 'ep/y'], 'get').refs, [{ kind: 'Pod', name: 'x' }, { kind: 'Endpoints', name: 'y' }]);
  assert.is(parseResourceArgs(['endpointslices.discovery.k8s.io'], 'get').kind, 'EndpointSlice');
  assert.throws(() => parseResourceArgs(['deploy'], 'get'), /doesn't have a resource type "deploy"/);
  assert.is(singularResource('EndpointSlice'), 'endpointslice.discovery.k8s.io');
});

test('-o yaml/json/name: sorted keys, a List for several objects', () => {
  const s: Service = { kind: 'Service', apiVersion: 'v1', metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } };
  assert.is(renderObjects([s], 'yaml', false), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n');
  assert.is(renderObjects([s], 'json', false), '{\n    "apiVersion": "v1",\n    "kind": "Service",\n    "metadata": {\n        "name": "a"\n    },\n    "spec": {\n        "ports": [\n            {\n                "port": 80\n            }\n        ]\n    }\n}\n');
  assert.match(renderObjects([s, s], 'yaml', true), /^apiVersion: v1\nitems:\n- apiVersion: v1\n[^]*\nkind: List\nmetadata:\n  resourceVersion: ""\n$/);
  assert.is(renderObjects([s, s], 'name', true), 'service/a\nservice/a\n');
});

test('expose --selector parsing', () => {
  assert.equal(parseSelectorFlag('app=web, tier==fe'), { app: 'web', tier: 'fe' });
  assert.throws(() => parseSelectorFlag('app in (a)'), /not key=value/);
});

test.run();
