// The metrics routes behind the admin server's bearer token: /, /status.json, /metrics and the status
// page's assets need the header like every other path (never a query parameter); /healthz stays
// open. Also /status.json?since= with the status sampler's history, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.ts';
import { metricsRoutes } from '../../src/admin/metrics-routes.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import type { ControlPlaneApi } from '../../src/control/control-plane-api.ts';
import { startStatusSampler } from '../../src/admin/status-sampler.ts';
import type { MetricsSource } from '../../src/admin/metrics-snapshot.ts';

let admin: AdminServer;
let base: string;
const TOKEN = 's3cret-token';

test.before(async () => {
  const table = createEndpointTable({ maxSlots: 4, maxServicePorts: 2, affinityEntries: 8, maxWorkers: 1 });
  const src: MetricsSource = { table, sync: { servicePorts: () => [], listeners: () => [] }, services: () => [], workers: () => 1 };
  let now = 1_000_000;
  // Each reading of the clock is a second later: one when the sampler starts, one per sample.
  const sampler = startStatusSampler(src, { timer: false, clock: () => (now += 1000) });
  sampler.sample();
  sampler.sample();
  admin = await startAdminServer({
    control: {} as ControlPlaneApi, host: '127.0.0.1', port: 0, token: TOKEN, log: () => {},
    extraRoutes: metricsRoutes(src, sampler),
  });
  base = `http://127.0.0.1:${admin.port}`;
});

test.after(async () => { await admin?.close(); });

test('every metrics path needs the bearer header; a ?token= query is not accepted', async () => {
  for (const path of ['/', '/status.json', '/status.json?since=0', '/metrics', `/?token=${TOKEN}`, '/assets/status-page.js', '/assets/uplot.js', '/assets/uplot.css']) {
    const res = await request(base + path);
    await res.body.text();
    assert.is(res.statusCode, 401, path);
  }
  const auth = { authorization: `Bearer ${TOKEN}` };
  const page = await request(`${base}/`, { headers: auth });
  assert.is(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(await page.body.text(), /No Services\./);
  const metrics = await request(`${base}/metrics`, { headers: auth });
  assert.match(await metrics.body.text(), /switchyard_worker_connections_total\{worker="0"\} 0\n/);
  const head = await request(`${base}/metrics`, { method: 'HEAD', headers: auth });
  assert.is(head.statusCode, 200);
  assert.is(await head.body.text(), '');
  const post = await request(`${base}/metrics`, { method: 'POST', headers: auth });
  await post.body.text();
  assert.is(post.statusCode, 405);
  for (const [path, type, text] of [['/assets/status-page.js', /^text\/javascript/, 'startStatusPage();'], ['/assets/uplot.js', /^text\/javascript/, 'uPlot'],
    ['/assets/uplot.css', /^text\/css/, '.uplot']] as const) {
    const res = await request(base + path, { headers: auth });
    assert.is(res.statusCode, 200, path);
    assert.match(String(res.headers['content-type']), type);
    assert.ok((await res.body.text()).includes(text), path);
  }
  const csp = String((await request(`${base}/`, { headers: auth })).headers['content-security-policy']);
  assert.match(csp, /script-src 'self';/, 'no inline script, nothing from elsewhere');
  const plain = await (await request(`${base}/status.json`, { headers: auth })).body.json() as { history?: unknown };
  assert.is(plain.history, undefined, 'no history unless asked for');
  const withHistory = await (await request(`${base}/status.json?since=0`, { headers: auth })).body.json() as { history: { times: number[]; windowSeconds: number } };
  assert.equal([withHistory.history.times, withHistory.history.windowSeconds], [[1_002_000, 1_003_000], 300]);
  const bad = await request(`${base}/status.json?since=yesterday`, { headers: auth });
  assert.is(bad.statusCode, 400);
  assert.match(await bad.body.text(), /"errorCode":"SY_BAD_STATUS_QUERY"/);
  const health = await request(`${base}/healthz`);
  assert.is(await health.body.text(), 'ok');
});

test.run();
