// Bearer-token auth, the refusal to expose an unauthenticated API, extra routes and the 500 path —
// over the real registry and a real SQLite store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { request } from 'undici';
import { startAdminServer } from '../../src/admin/admin-server.ts';
import { startAdminFixture, type AdminFixture } from '../helpers/admin-fixture.ts';

const TOKEN = 's3cret-token-for-tests';
let fx: AdminFixture;
let base = '';
let registry: AdminFixture['registry'];
let agent: AdminFixture['agent'];
let logs: string[];

test.before(async () => {
  fx = await startAdminFixture('sy-admin-auth-', {
    token: TOKEN,
    extraRoutes: [
      { method: 'GET', path: '/metrics', handler: (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('sy_up 1\n'); } },
      { method: 'GET', path: /^\/status\/([a-z]+)$/, handler: (_req, res, m) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`status of ${m![1]}`); } },
      { method: 'GET', path: '/boom', handler: async () => { throw new TypeError('handler exploded'); } },
    ],
  });
  ({ registry, agent, logs, base } = fx);
});

test.after(() => fx.close());

async function call(method: string, path: string, authorization?: string, body?: string) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(base + path, { method: method as 'GET', dispatcher: agent, headers, body });
  const text = await res.body.text();
  const isJson = String(res.headers['content-type']).startsWith('application/json');
  return { status: res.statusCode, headers: res.headers, json: isJson ? JSON.parse(text) : undefined, text };
}

const svc = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'guarded' }, spec: { selector: { app: 'g' }, ports: [{ port: 80 }] } });
const PATH = '/api/v1/namespaces/default/services/guarded';

test('health endpoints need no token', async () => {
  for (const p of ['/healthz', '/readyz', '/livez']) assert.is((await call('GET', p)).status, 200);
});

test('missing or wrong token is 401 and changes nothing', async () => {
  for (const auth of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
    const r = await call('PUT', PATH, auth, svc);
    assert.is(r.status, 401, String(auth));
    assert.is(r.json.kind, 'Status');
    assert.is(r.json.reason, 'Unauthorized');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
  }
  assert.is((await call('GET', '/api/v1/services')).status, 401);
  assert.is((await call('GET', '/version')).status, 401);
  assert.is((await call('GET', '/metrics')).status, 401, 'extra routes are guarded too');
  const list = await call('GET', '/api/v1/services', `Bearer ${TOKEN}`);
  assert.equal(list.json.items, []);
});

test('the right token is served', async () => {
  const r = await call('PUT', PATH, `Bearer ${TOKEN}`, svc);
  assert.is(r.status, 201, r.text);
  assert.is((await call('GET', PATH, `bearer ${TOKEN}`)).status, 200, 'scheme is case-insensitive');
  assert.is((await call('DELETE', PATH, `Bearer ${TOKEN}`)).status, 200);
});

test('extra routes: exact and RegExp paths, 405 for other methods', async () => {
  const auth = `Bearer ${TOKEN}`;
  const m = await call('GET', '/metrics', auth);
  assert.is(m.status, 200);
  assert.is(m.text, 'sy_up 1\n');
  assert.is((await call('GET', '/status/web', auth)).text, 'status of web');
  const wrong = await call('POST', '/metrics', auth, '{}');
  assert.is(wrong.status, 405);
  assert.is(wrong.headers.allow, 'GET');
});

test('an exception in a handler is a 500 Status, logged, and the server keeps serving', async () => {
  const r = await call('GET', '/boom', `Bearer ${TOKEN}`);
  assert.is(r.status, 500);
  assert.is(r.json.kind, 'Status');
  assert.is(r.json.errorCode, 'SY_INTERNAL');
  assert.ok(logs.some((l) => l.includes('handler exploded')), logs.join('\n'));
  assert.is((await call('GET', '/healthz')).status, 200);
});

/** An address of this machine that is not loopback, or undefined when it has none. */
async function firstNonLoopback(): Promise<string | undefined> {
  const { networkInterfaces } = await import('node:os');
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

test('refuses a non-loopback address without a token, and binds nothing', async () => {
  const hosts = ['0.0.0.0', '::'];
  const external = await firstNonLoopback();
  if (external) hosts.push(external);
  for (const host of hosts) {
    let err: (Error & { code?: string }) | undefined;
    try {
      const s = await startAdminServer({ control: registry, host, port: 0 });
      await s.close();
    } catch (e) {
      err = e as Error & { code?: string };
    }
    assert.ok(err, `started on ${host} without a token`);
    assert.is(err!.code, 'SY_ADMIN_INSECURE');
    assert.match(err!.message, /--token-file/);
    assert.match(err!.message, /loopback/);
  }
  // Refused before listening: the port it would have used is still free on loopback too.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await startAdminServer({ control: registry, host: '0.0.0.0', port }).then((s) => s.close(), () => {});
  await new Promise<void>((resolve, reject) => {
    const again = createServer();
    again.once('error', reject);
    again.listen(port, '127.0.0.1', () => again.close(() => resolve()));
  });
  // Other loopback spellings need no token.
  for (const host of ['127.0.0.2', 'localhost']) {
    const s = await startAdminServer({ control: registry, host, port: 0 });
    assert.ok(s.port > 0);
    await s.close();
  }
});

test.run();
