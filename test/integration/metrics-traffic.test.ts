// /metrics through a real server started in-process: the counters must equal the traffic this test
// sends — N connections with exact byte counts, refusals with no endpoints, connect errors and
// retries against a dead endpoint — and the text must pass a strict Prometheus parser.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { SERVER_DEFAULTS } from '../../src/server/server-options.ts';
import type { Service } from '../../src/model/types.ts';
import { freePort, randomLoopback, randomServiceCidr } from '../helpers/free-port.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { parsePrometheusText, sampleValue, type Family } from '../helpers/prometheus-text.ts';

let server: RunningServer;
let a: TcpBackend;
let b: TcpBackend;
let deadPort: number;
const stateDir = mkdtempSync(join(tmpdir(), 'switchyard-metrics-'));

const manual = (name: string, ports: number[]) => [
  { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'tcp', port: 7000, protocol: 'TCP' }] } },
  {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default' },
    subsets: ports.map((port) => ({ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'tcp', port, protocol: 'TCP' }] })),
  },
];

async function scrape(): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await request(`${server.adminUrl}/metrics`);
  assert.is(res.statusCode, 200);
  assert.is(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.body.text();
  return { text, families: parsePrometheusText(text) };
}

async function scrapeUntil(what: string, ok: (f: Map<string, Family>) => boolean): Promise<Map<string, Family>> {
  for (let i = 0; i < 100; i++) {
    const { families } = await scrape();
    if (ok(families)) return families;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function clusterIP(name: string): string {
  return (server.registry.get('Service', 'default', name) as Service).spec.clusterIP!;
}

/** Connect, read the greeting, send `payload`, read the echo, close. Returns bytes received. */
function exchange(host: string, port: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let got = 0;
    let greeted = false;
    let expected = Infinity;
    const timer = setTimeout(() => { s.destroy(); reject(new Error('exchange timed out')); }, 10_000);
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (!greeted) {
        greeted = true;
        const nl = d.indexOf(0x0a);
        expected = nl + 1 + payload.length;
        s.write(payload);
      }
      if (got >= expected) s.end();
    });
    s.on('close', () => { clearTimeout(timer); resolve(got); });
  });
}

function refused(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.on('close', () => resolve('closed'));
    s.on('data', () => { s.destroy(); resolve('data'); });
  });
}

test.before(async () => {
  a = await startTcpBackend('alpha');
  b = await startTcpBackend('bravo');
  deadPort = await freePort();
  server = await startServer({
    ...SERVER_DEFAULTS, stateDir, files: [], log: () => {},
    admin: { host: '127.0.0.1', port: 0 }, serviceCidr: randomServiceCidr(), nodeAddresses: [randomLoopback()],
    workers: 2, maxSlots: 64, ejectAfterFailures: 0, connectAttempts: 3,
    defaultProbe: { ...SERVER_DEFAULTS.defaultProbe, enabled: false },
  });
  for (const o of [...manual('echo', [a.port, b.port]), ...manual('empty', []), ...manual('flaky', [deadPort, a.port])]) {
    await server.registry.apply(o);
  }
  await server.sync.settled();
});

test.after(async () => {
  await server?.stop();
  await a?.close();
  await b?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

test('connections and exact byte counts per Service port, endpoint and worker', async () => {
  const N = 6;
  const sizes = Array.from({ length: N }, (_, i) => 1000 + i * 777);
  let received = 0;
  for (const size of sizes) received += await exchange(clusterIP('echo'), 7000, Buffer.alloc(size, 0x61));
  const sent = sizes.reduce((x, y) => x + y, 0);
  const svc = { service: 'default/echo', port: 'tcp/TCP' };
  const f = await scrapeUntil('byte counters', (m) => sampleValue(m, 'switchyard_service_port_bytes_sent_total', svc) >= received);
  assert.is(sampleValue(f, 'switchyard_service_port_connections_total', svc), N);
  assert.is(sampleValue(f, 'switchyard_service_port_bytes_received_total', svc), sent);
  assert.is(sampleValue(f, 'switchyard_service_port_bytes_sent_total', svc), received);
  assert.is(sampleValue(f, 'switchyard_service_port_active_connections', svc), 0);
  assert.is(sampleValue(f, 'switchyard_service_port_connect_duration_seconds_count', svc), N);
  assert.is(sampleValue(f, 'switchyard_service_port_connection_duration_seconds_count', svc), N);
  const eps = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
  const per = (name: string) => eps.map((endpoint) => sampleValue(f, name, { ...svc, endpoint, pod: '' }));
  // Round-robin over two endpoints: three each; the endpoint bytes add up to the port's.
  assert.equal(per('switchyard_endpoint_connections_total'), [3, 3]);
  assert.is(per('switchyard_endpoint_bytes_received_total').reduce((x, y) => x + y), sent);
  assert.is(per('switchyard_endpoint_bytes_sent_total').reduce((x, y) => x + y), received);
  assert.equal(per('switchyard_endpoint_ready'), [1, 1]);
  const workers = f.get('switchyard_worker_connections_total')!.samples;
  assert.is(workers.length, 2);
  assert.is(workers.reduce((x, s) => x + s.value, 0), N);
});

test('refusals with no endpoints are counted by cause', async () => {
  for (let i = 0; i < 3; i++) assert.is(await refused(clusterIP('empty'), 7000), 'ECONNRESET');
  const svc = { service: 'default/empty', port: 'tcp/TCP' };
  const f = await scrapeUntil('refusals', (m) => sampleValue(m, 'switchyard_service_port_refusals_total', { ...svc, cause: 'no_endpoints' }) >= 3);
  assert.is(sampleValue(f, 'switchyard_service_port_refusals_total', { ...svc, cause: 'no_endpoints' }), 3);
  assert.is(sampleValue(f, 'switchyard_service_port_refusals_total', { ...svc, cause: 'max_connections' }), 0);
  assert.is(sampleValue(f, 'switchyard_service_port_connections_total', svc), 0);
});

test('a dead endpoint shows as connect errors and retries, every client still served', async () => {
  const M = 4;
  for (let i = 0; i < M; i++) assert.is(await exchange(clusterIP('flaky'), 7000, Buffer.from('hi')), 'alpha\n'.length + 2);
  const svc = { service: 'default/flaky', port: 'tcp/TCP' };
  const f = await scrapeUntil('flaky connections', (m) => sampleValue(m, 'switchyard_service_port_connections_total', svc) >= M);
  const errors = sampleValue(f, 'switchyard_service_port_connect_errors_total', svc);
  assert.ok(errors >= 1, 'round-robin over two endpoints tries the dead one');
  assert.is(sampleValue(f, 'switchyard_service_port_retries_total', svc), errors, 'each failure was retried on the live endpoint');
  assert.is(sampleValue(f, 'switchyard_endpoint_connect_errors_total', { ...svc, endpoint: `127.0.0.1:${deadPort}` }), errors);
  assert.is(sampleValue(f, 'switchyard_endpoint_connections_total', { ...svc, endpoint: `127.0.0.1:${deadPort}` }), 0);
});

test('status.json lists every Service with its listeners and figures', async () => {
  const res = await request(`${server.adminUrl}/status.json`);
  const doc = await res.body.json() as { services: { name: string; listeners: { bound: boolean }[]; ports: { connectionsTotal: number }[] }[] };
  assert.equal(doc.services.map((s) => s.name), ['default/echo', 'default/empty', 'default/flaky']);
  assert.ok(doc.services.every((s) => s.listeners.length >= 1 && s.listeners.every((l) => l.bound)));
  assert.is(doc.services[0].ports[0].connectionsTotal, 6);
});

test.run();
