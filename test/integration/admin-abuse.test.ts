// The admin API against a hostile but fair client, over real sockets on loopback: DNS rebinding
// (a foreign Host) and cross-site writes (a foreign Origin) are refused; a flood of idle and
// slowloris connections does not lock /healthz or real clients out; an oversized name is not echoed
// back whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { startAdminFixture, type AdminFixture } from '../helpers/admin-fixture.ts';
import { startAdminServer } from '../../src/admin/admin-server.ts';
import { countOpenDescriptors, descriptorReadiness, READY_MARGIN } from '../../src/server/descriptor-budget.ts';

let fx: AdminFixture;
const SVC = '/api/v1/namespaces/default/services';
const body = (name: string) => JSON.stringify({ kind: 'Service', apiVersion: 'v1', metadata: { name }, spec: { ports: [{ port: 80 }] } });

test.before(async () => {
  fx = await startAdminFixture('sy-admin-abuse-', { limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
});
test.after(() => fx.close());

/** One raw HTTP/1.1 request with exactly these headers; the status code and body. */
function send(port: number, method: string, path: string, headers: Record<string, string>, payload = ''): Promise<{ status: number; text: string; head: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0);
      const end = got.indexOf('\r\n\r\n');
      resolve({ status, head: got.slice(0, end), text: got.slice(end + 4) });
    });
    const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: close'];
    if (payload) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
    s.write(lines.join('\r\n') + '\r\n\r\n' + payload);
  });
}

test('DNS rebinding: a foreign Host creates and deletes nothing; loopback names and health checks are served', async () => {
  const port = fx.server.port;
  const evil = await send(port, 'PUT', `${SVC}/evil`, { Host: 'attacker.example' }, body('evil'));
  assert.is(evil.status, 403, evil.text);
  assert.match(evil.text, /SY_FORBIDDEN_HOST/);
  assert.match(evil.text, /does not name this server/);
  assert.is(fx.registry.get('Service', 'default', 'evil'), undefined);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `app.localhost:${port}`]) {
    const r = await send(port, 'PUT', `${SVC}/good`, { Host: host }, body('good'));
    assert.ok(r.status === 201 || r.status === 200, `${host}: ${r.status} ${r.text}`);
  }
  const del = await send(port, 'DELETE', `${SVC}/good`, { Host: `attacker.example:${port}` });
  assert.is(del.status, 403);
  assert.ok(fx.registry.get('Service', 'default', 'good'), 'not deleted');
  assert.is((await send(port, 'GET', '/healthz', { Host: 'attacker.example' })).status, 200);
});

test('cross-site writes: a foreign or null Origin is refused; the server\'s own origin and reads are served', async () => {
  const port = fx.server.port;
  const host = { Host: `127.0.0.1:${port}` };
  for (const origin of ['http://attacker.example', `http://localhost:${port}`, `http://127.0.0.1:${port + 1}`, 'null', 'garbage']) {
    const r = await send(port, 'DELETE', `${SVC}/good`, { ...host, Origin: origin });
    assert.is(r.status, 403, `${origin}: ${r.text}`);
    assert.match(r.text, /SY_FORBIDDEN_ORIGIN/);
  }
  assert.ok(fx.registry.get('Service', 'default', 'good'), 'not deleted');
  const read = await send(port, 'GET', `${SVC}/good`, { ...host, Origin: 'http://attacker.example' });
  assert.is(read.status, 200);
  assert.not.match(read.head, /access-control-allow-origin/i, 'no CORS grant: the page cannot read the answer');
  const own = await send(port, 'DELETE', `${SVC}/good`, { ...host, Origin: `http://127.0.0.1:${port}` });
  assert.is(own.status, 200, own.text);
});

test('with a token, any Host is served to the token holder, and a foreign Origin still cannot write', async () => {
  const withToken = await startAdminServer({ control: fx.registry, host: '127.0.0.1', port: 0, token: 's3cret', log: () => {} });
  try {
    const auth = { Host: 'switchyard.internal:10249', Authorization: 'Bearer s3cret' };
    assert.is((await send(withToken.port, 'GET', SVC, auth)).status, 200);
    assert.is((await send(withToken.port, 'PUT', `${SVC}/t`, { ...auth, Origin: 'http://attacker.example' }, body('t'))).status, 403);
  } finally {
    await withToken.close();
  }
});

/** Opens n connections; `slow` ones send a request line and then one header byte every 200 ms. */
async function flood(port: number, n: number, slow: boolean): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    if (slow) {
      s.write('GET /api/v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const t = setInterval(() => { if (!s.destroyed) s.write('a'); }, 200);
      s.on('close', () => clearInterval(t));
    }
    out.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  return out;
}

test('/healthz and real clients are served during a flood of 300 idle and 150 slowloris connections', async () => {
  const port = fx.server.port;
  const idle = await flood(port, 300, false);
  const slow = await flood(port, 150, true);
  try {
    for (let i = 0; i < 10; i++) {
      const h = await send(port, 'GET', '/healthz', { Host: '127.0.0.1' });
      assert.is(h.status, 200, `health check ${i}`);
      const list = await send(port, 'GET', SVC, { Host: '127.0.0.1' });
      assert.is(list.status, 200, `list ${i}`);
    }
    // Room was made from the flood: most of it is closed.
    const open = [...idle, ...slow].filter((s) => !s.destroyed && !s.readableEnded).length;
    assert.ok(open <= 128, `${open} flood connections still open`);
  } finally {
    for (const s of [...idle, ...slow]) s.destroy();
  }
});

test('a slowloris connection is cut once its headers take longer than the header timeout', async () => {
  const [s] = await flood(fx.server.port, 1, true);
  let got = '';
  s.on('data', (d) => { got += d; });
  // The header timeout is 1 s here; the deadline only keeps the test from hanging without it.
  const cut = await new Promise<boolean>((r) => {
    const t = setTimeout(() => { s.destroy(); r(false); }, 10_000);
    s.on('close', () => { clearTimeout(t); r(true); });
  });
  assert.ok(cut, 'the server never cut the slowloris connection');
  assert.match(got, /^HTTP\/1\.1 408 /);
});

test('/readyz fails while the process is short of descriptors and recovers; /healthz stays 200', async () => {
  // The real count of this process's descriptors against a limit just above it.
  const now = countOpenDescriptors() as number;
  const server = await startAdminServer({ control: fx.registry, host: '127.0.0.1', port: 0, log: () => {}, notReady: descriptorReadiness(now + READY_MARGIN + 4, countOpenDescriptors, Date.now, 0) });
  const held: Socket[] = [];
  try {
    assert.is((await send(server.port, 'GET', '/readyz', { Host: '127.0.0.1' })).status, 200);
    for (let i = 0; i < 4; i++) held.push(...await flood(server.port, 1, false));
    const r = await send(server.port, 'GET', '/readyz', { Host: '127.0.0.1' });
    assert.is(r.status, 503, r.text);
    assert.match(r.text, /^not ready: \d+ of \d+ file descriptors in use/);
    assert.is((await send(server.port, 'GET', '/healthz', { Host: '127.0.0.1' })).status, 200);
    for (const s of held.splice(0)) s.destroy();
    await new Promise((res) => setTimeout(res, 100));
    assert.is((await send(server.port, 'GET', '/readyz', { Host: '127.0.0.1' })).status, 200);
  } finally {
    for (const s of held) s.destroy();
    await server.close();
  }
});

test('a 100 KB name is not echoed back whole: the 422 is a few KB and says what was cut', async () => {
  const name = 'n'.repeat(100_000);
  const r = await send(fx.server.port, 'POST', SVC, { Host: '127.0.0.1' }, body(name));
  assert.is(r.status, 422);
  assert.ok(r.text.length < 8_000, `${r.text.length} bytes`);
  const status = JSON.parse(r.text);
  assert.match(status.message, /^Service "n{256}\.\.\.\(100000 characters, truncated\)" is invalid: metadata\.name: /);
  assert.ok(status.details.name.length < 400);
});

test.run();
