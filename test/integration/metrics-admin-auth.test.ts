// The metrics routes behind the admin server's bearer token: /, /status.json and /metrics need the
// header like every other path (never a query parameter); /healthz stays open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.ts';
import { metricsRoutes } from '../../src/admin/metrics-routes.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import type { ControlPlaneApi } from '../../src/control/control-plane-api.ts';

let admin: AdminServer;
let base: string;
const TOKEN = 's3cret-token';

test.before(async () => {
  const table = createEndpointTable({ maxSlots: 4, maxServicePorts: 2, affinityEntries: 8, maxWorkers: 1 });
  admin = await startAdminServer({
    control: {} as ControlPlaneApi, host: '127.0.0.1', port: 0, token: TOKEN, log: () => {},
    extraRoutes: metricsRoutes({ table, sync: { servicePorts: () => [], listeners: () => [] }, services: () => [], workers: () => 1 }),
  });
  base = `http://127.0.0.1:${admin.port}`;
});

test.after(async () => { await admin?.close(); });

test('every metrics path needs the bearer header; a ?token= query is not accepted', async () => {
  for (const path of ['/', '/status.json', '/metrics', `/?token=${TOKEN}`]) {
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
  const health = await request(`${base}/healthz`);
  assert.is(await health.body.text(), 'ok');
});

test.run();
