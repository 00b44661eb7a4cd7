// Hostile and broken requests against the admin API over the real registry: each one gets a Status
// (or a closed connection), the server keeps serving, and the stored state does not change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startAdminFixture, type AdminFixture } from '../helpers/admin-fixture.ts';
import { startAdminServer } from '../../src/admin/admin-server.ts';

let fx: AdminFixture;
let registry: AdminFixture['registry'];
let server: AdminFixture['server'];
let agent: AdminFixture['agent'];
let logs: string[];
let base = '';
const SVC_PATH = '/api/v1/namespaces/default/services';

test.before(async () => {
  fx = await startAdminFixture('sy-admin-bad-', { limits: { requestTimeoutMs: 600, headersTimeoutMs: 600 } });
  ({ registry, server, agent, logs, base } = fx);
  const seed = await call('PUT', `${SVC_PATH}/seed`, JSON.stringify({ kind: 'Service', apiVersion: 'v1', metadata: { name: 'seed' }, spec: { selector: { app: 'seed' }, ports: [{ port: 80 }] } }));
  assert.is(seed.status, 201, seed.text);
});

test.after(() => fx.close());

async function call(method: string, path: string, body?: string | Buffer, contentType: string | null = 'application/json') {
  const res = await request(base + path, {
    method: method as 'GET', dispatcher: agent, body,
    headers: body === undefined || contentType === null ? {} : { 'content-type': contentType },
  });
  const text = await res.body.text();
  const isJson = String(res.headers['content-type']).startsWith('application/json');
  return { status: res.statusCode, headers: res.headers, json: isJson ? JSON.parse(text) : undefined, text };
}

async function state(): Promise<string> {
  const parts: unknown[] = [];
  for (const p of ['/api/v1/services', '/api/v1/pods', '/api/v1/endpoints', '/apis/discovery.k8s.io/v1/endpointslices']) {
    const r = await call('GET', p);
    assert.is(r.status, 200);
    parts.push(r.json.items);
  }
  return JSON.stringify(parts);
}

/** Runs `attempt`, then checks the server still answers and nothing changed. */
async function unchanged(attempt: () => Promise<void>): Promise<void> {
  const before = await state();
  await attempt();
  const health = await call('GET', '/healthz');
  assert.is(health.status, 200);
  assert.is(await state(), before);
}

function expectStatus(r: { status: number; json: { kind: string; code: number; message: string } }, code: number, message?: RegExp) {
  assert.is(r.status, code, JSON.stringify(r.json));
  assert.is(r.json.kind, 'Status');
  assert.is(r.json.code, code);
  if (message) assert.match(r.json.message, message);
}

const good = (name: string) => JSON.stringify({ kind: 'Service', apiVersion: 'v1', metadata: { name }, spec: { ports: [{ port: 80 }] } });

test('malformed JSON and YAML are 400 with the parser message', () => unchanged(async () => {
  expectStatus(await call('POST', SVC_PATH, '{"kind": "Service", "metadata": {'), 400, /invalid JSON/);
  expectStatus(await call('POST', SVC_PATH, 'kind: Service\nmetadata: [unclosed\n', 'application/yaml'), 400, /invalid YAML/);
  expectStatus(await call('PUT', `${SVC_PATH}/x`, 'a: 1\na: 2\n', 'application/yaml'), 400, /unique/);
  const twoDocuments = await call('PUT', `${SVC_PATH}/x`, 'kind: Service\n---\nkind: Service\n', 'application/yaml');
  expectStatus(twoDocuments, 400, /^the body holds 2 YAML documents; send one object per request/);
  assert.is((twoDocuments.json as { errorCode?: string }).errorCode, 'SY_MULTIPLE_DOCUMENTS', 'valid YAML is not called invalid');
  expectStatus(await call('POST', SVC_PATH, '[1, 2]'), 400, /one object/);
  expectStatus(await call('POST', SVC_PATH, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, /UTF-8/);
  expectStatus(await call('POST', SVC_PATH, ''), 400, /empty/);
}));

test('huge nesting and wrong types are refused without a state change', () => unchanged(async () => {
  const deep = '{"kind":"Service","metadata":{"name":"deep"},"spec":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}';
  expectStatus(await call('POST', SVC_PATH, deep), 400, /nests deeper/);
  // Patches too: merge, strategic and JSON patches are applied by recursive code.
  const patched = await call('POST', SVC_PATH, good('patched'));
  assert.is(patched.status, 201, patched.text);
  const deepPatch = '{"spec":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}';
  for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
    expectStatus(await call('PATCH', `${SVC_PATH}/patched`, deepPatch, type), 400, /nests deeper/);
  }
  const deepOps = '[{"op":"add","path":"/spec/x","value":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}]';
  expectStatus(await call('PATCH', `${SVC_PATH}/patched`, deepOps, 'application/json-patch+json'), 400, /nests deeper/);
  const del = await call('DELETE', `${SVC_PATH}/patched`);
  assert.is(del.status, 200, del.text);
  const deepYaml = 'kind: Service\nspec: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n';
  expectStatus(await call('POST', SVC_PATH, deepYaml, 'application/yaml'), 400);
  const wrong = await call('POST', SVC_PATH, JSON.stringify({ kind: 'Service', apiVersion: 'v1', metadata: { name: 'wt' }, spec: { ports: 'eighty' } }));
  assert.ok(wrong.status === 400 || wrong.status === 422, wrong.text);
  assert.is(wrong.json.kind, 'Status');
  const wrongMeta = await call('POST', SVC_PATH, JSON.stringify({ kind: 'Service', metadata: 'x', spec: {} }));
  expectStatus(wrongMeta, 400, /metadata must be an object/);
}));

test('a 2 MiB body is 413 and the connection is closed', () => unchanged(async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
  const r = await call('POST', SVC_PATH, big);
  expectStatus(r, 413, /larger than 1048576 bytes/);
  assert.is(r.headers.connection, 'close');
  // Without Content-Length (chunked): refused once the limit is crossed.
  async function* chunks() { for (let i = 0; i < 32; i++) yield Buffer.alloc(64 * 1024, 0x20); }
  const res = await request(base + SVC_PATH, { method: 'POST', dispatcher: agent, body: Readable.from(chunks()), headers: { 'content-type': 'application/json' } });
  assert.is(res.statusCode, 413);
  await res.body.text();
}));

test('unknown paths are 404, wrong methods 405 with Allow', () => unchanged(async () => {
  expectStatus(await call('GET', '/nope'), 404);
  expectStatus(await call('GET', '/api/v1/namespaces/default/configmaps'), 404);
  expectStatus(await call('GET', '/api/v1/namespaces/default/services/a/b'), 404);
  const m = await call('PUT', SVC_PATH, good('z'));
  expectStatus(m, 405);
  assert.is(m.headers.allow, 'GET, HEAD, POST, DELETE');
  const put = await call('POST', '/api/v1/services', good('z'));
  expectStatus(put, 405);
  assert.is(put.headers.allow, 'GET, HEAD');
  // Upstream routes deletecollection on namespaced collections only, and has none for namespaces.
  const everywhere = await call('DELETE', '/api/v1/services');
  expectStatus(everywhere, 405);
  assert.is(everywhere.headers.allow, 'GET, HEAD');
  const namespaces = await call('DELETE', '/api/v1/namespaces');
  expectStatus(namespaces, 405);
  assert.is(namespaces.headers.allow, 'GET, HEAD, POST');
  expectStatus(await call('DELETE', '/api/v1/namespaces/default/events'), 405);
  expectStatus(await call('POST', '/healthz', '{}'), 405);
}));

test('bad DeleteOptions fail a deletecollection before anything is deleted', () => unchanged(async () => {
  expectStatus(await call('DELETE', `${SVC_PATH}?propagationPolicy=Sideways`), 422,
    /^DeleteOptions "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Background", "Foreground", "Orphan", "nil"$/);
  expectStatus(await call('DELETE', SVC_PATH, JSON.stringify({ propagationPolicy: 'Background', orphanDependents: true })), 422,
    /orphanDependents and deletionPropagation cannot be both set/);
  expectStatus(await call('DELETE', `${SVC_PATH}?gracePeriodSeconds=soon`), 400, /^gracePeriodSeconds: "soon" is not an integer$/);
  expectStatus(await call('DELETE', SVC_PATH, JSON.stringify({ dryRun: 'All' })), 400, /^dryRun: must be a list of strings$/);
  expectStatus(await call('DELETE', `${SVC_PATH}?dryRun=Some`), 400, /^dryRun: Unsupported value: "Some"/);
  expectStatus(await call('DELETE', `${SVC_PATH}?labelSelector=a%20in%20(b`), 400, /^unable to parse requirement/);
  expectStatus(await call('DELETE', `${SVC_PATH}?fieldSelector=spec.nope%3Dx`), 400, /^field label not supported: spec.nope/);
}));

test('a body that disagrees with the URL is 400 naming the field', () => unchanged(async () => {
  expectStatus(await call('PUT', `${SVC_PATH}/one`, good('two')), 400, /^the name of the object \(two\) does not match the name on the URL \(one\)/);
  const otherNs = JSON.stringify({ kind: 'Service', apiVersion: 'v1', metadata: { name: 'one', namespace: 'prod' }, spec: { ports: [{ port: 80 }] } });
  expectStatus(await call('PUT', `${SVC_PATH}/one`, otherNs), 400, /^the namespace of the provided object does not match the namespace sent on the request/);
  const pod = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'one' }, spec: { containers: [] } });
  expectStatus(await call('PUT', `${SVC_PATH}/one`, pod), 400, /^Pod in version "v1" cannot be handled as a Service/);
  const wrongGroup = JSON.stringify({ kind: 'Service', apiVersion: 'discovery.k8s.io/v1', metadata: { name: 'one' }, spec: {} });
  expectStatus(await call('POST', SVC_PATH, wrongGroup), 400, /apiVersion/);
}));

test('a wrong content type is 415, for PATCH too; a missing one is JSON', () => unchanged(async () => {
  expectStatus(await call('POST', SVC_PATH, good('ct'), 'text/plain'), 415, /application\/json/);
  // No Content-Type at all reads as JSON, as upstream does (kubectl 1.20 sends none on create).
  expectStatus(await call('POST', SVC_PATH, 'not json', null), 400, /invalid JSON/);
  expectStatus(await call('PATCH', `${SVC_PATH}/ct`, good('ct'), 'application/json'), 415, /accepted media types include: application\/json-patch\+json/);
  expectStatus(await call('POST', SVC_PATH, good('ct'), 'application/json; charset=latin1'), 415, /charset/);
}));

/** Sends raw bytes, returns everything the server wrote before it closed the socket. */
function raw(bytes: Buffer | string, endAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(server.port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d; });
    sock.on('error', reject);
    sock.on('close', () => resolve(got));
    sock.write(bytes);
    if (endAfterWrite) sock.end();
  });
}

test('a request that sends half its body then stalls times out; the server keeps serving', () => unchanged(async () => {
  const stalled = raw(`POST ${SVC_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n${good('stalled').slice(0, 30)}`);
  // Served while the stalled request is pending.
  const during = await call('GET', '/api/v1/namespaces/default/services/seed');
  assert.is(during.status, 200);
  const answer = await stalled;
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.match(answer, /SY_REQUEST_TIMEOUT/);
  assert.is((await call('GET', `${SVC_PATH}/stalled`)).status, 404);
}));

test('stalled headers and raw garbage bytes end in 400/408 without harm', () => unchanged(async () => {
  assert.match(await raw('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'), /^HTTP\/1\.1 408 /);
  assert.match(await raw(Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x80, 0x81])), /^HTTP\/1\.1 400 /);
  assert.match(await raw('PUT /api/v1/namespaces/default/services/x HTTP/1.1\r\nContent-Length: nope\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await raw(`GET /${'a'.repeat(40_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`), /^HTTP\/1\.1 431 /);
  // The client vanishes mid-body.
  await raw(`POST ${SVC_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"kind":`, true);
}));

test('beyond the limit the connection idle the longest is closed to make room: a new request is served, a busy one is not cut', async () => {
  const small = await startAdminServer({
    control: registry, host: '127.0.0.1', port: 0, log: (l) => logs.push(l),
    limits: { maxConnections: 2, maxConnectionsPerClient: 2, keepAliveTimeoutMs: 5_000, requestTimeoutMs: 5_000, headersTimeoutMs: 5_000 },
  });
  const open = (): Promise<Socket> => new Promise((resolve, reject) => {
    const s = connect(small.port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  const closed = (s: Socket) => new Promise<string>((resolve) => {
    let got = '';
    s.on('data', (d) => { got += d; });
    if (s.destroyed) resolve(got); else s.on('close', () => resolve(got));
  });
  try {
    // idle: connected, never sends; busy: a request whose body is still coming (a request in progress).
    const idle = await open();
    const idleClosed = closed(idle);
    const busy = await open();
    busy.write(`PUT ${SVC_PATH}/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${good('slow').length}\r\n\r\n{`);
    await new Promise((r) => setTimeout(r, 100));
    const fresh = await open();
    fresh.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(await closed(fresh), /^HTTP\/1\.1 200 OK[\s\S]*ok$/, 'the new connection is served');
    assert.is(await idleClosed, '', 'the idle one made room');
    const busyAnswer = closed(busy);
    busy.end(good('slow').slice(1));
    assert.match(await busyAnswer, /^HTTP\/1\.1 201 /, 'the busy one was not cut');
  } finally {
    await small.close();
    await registry.delete('Service', 'default', 'slow').catch(() => {});
  }
});

test('no unexpected errors were logged', () => {
  assert.equal(logs.filter((l) => / failed: /.test(l)), []);
});

test.run();
