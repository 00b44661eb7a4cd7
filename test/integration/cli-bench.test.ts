// `switchyard bench` as a user runs it: a child process against a real `switchyard serve` with
// three Node HTTP backends behind one Service. The report must list all three endpoints, their
// connection counts (from the server's /metrics) must add up to the connections the bench made,
// and round-robin must come out even by Jain's index.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomLoopback } from '../helpers/free-port.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

interface Backend { name: string; ip: string; port: number; server: http.Server; sockets: Set<Socket> }

let sy: SwitchyardProcess;
const backends: Backend[] = [];
const echoes: TcpBackend[] = [];

function startBackend(name: string, ip: string): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (_req, res) => { res.end(`backend ${name}\n`); });
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, ip, () => resolve({ name, ip, port: (server.address() as AddressInfo).port, server, sockets }));
  });
}

function pod(b: Backend): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${b.name}, labels: { app: web } }
spec: { containers: [{ name: web, ports: [{ name: http, containerPort: ${b.port} }] }] }
status: { podIP: ${b.ip} }
`;
}

const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
`;

// A selectorless Service with one manual EndpointSlice per echo backend (their ports differ).
function echoService(): string {
  const slices = echoes.map((e, i) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: echo-${i + 1}, labels: { kubernetes.io/service-name: echo } }
addressType: IPv4
ports: [{ port: ${e.port} }]
endpoints: [{ addresses: [${e.ip}] }]
`);
  return [`apiVersion: v1
kind: Service
metadata: { name: echo }
spec: { ports: [{ port: 7 }] }
`, ...slices].join('---\n');
}

async function readyEndpoints(service: string): Promise<number> {
  const r = await fetch(`${sy.url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name%3D${service}`);
  const body = await r.json() as { items?: { endpoints?: { conditions?: { ready?: boolean } }[] }[] };
  return (body.items ?? []).flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
}

test.before(async () => {
  const base = randomLoopback().split('.').slice(0, 3).join('.');
  for (let i = 1; i <= 3; i++) backends.push(await startBackend(`web-${i}`, `${base}.${i + 10}`));
  sy = await startSwitchyard(['--no-demo']);
  for (let i = 1; i <= 2; i++) echoes.push(await startTcpBackend(`echo-${i}`, `${base}.${i + 20}`));
  const applied = await sy.cli(['apply', '-f', '-'], [SERVICE, ...backends.map(pod), echoService()].join('---\n'));
  assert.is(applied.code, 0, applied.stderr);
  const deadline = Date.now() + 15_000;
  while ((await readyEndpoints('web')) < 3 || (await readyEndpoints('echo')) < 2) {
    if (Date.now() > deadline) throw new Error(`the three endpoints did not become ready:\n${sy.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) {
    for (const s of b.sockets) s.destroy();
    await new Promise((r) => b.server.close(r));
  }
  for (const e of echoes) await e.close();
});

const endpointOf = (b: Backend): string => `${b.ip}:${b.port}`;

test('bench -o json: all endpoints, counts add up to the connections made, even spread, latency added', async () => {
  const r = await sy.cli(['bench', 'web', '--duration', '2', '--connections', '6', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.is(report.service, 'default/web');
  assert.is(report.mode, 'http');
  assert.ok(report.balancer.requests > 0);
  assert.is(report.balancer.errors, 0);
  assert.is(report.balancer.non2xx, 0);
  assert.ok(report.spread, `no spread: ${report.spreadNote}`);
  const listed = report.spread.endpoints.map((e: { endpoint: string }) => e.endpoint).sort();
  assert.equal(listed, backends.map(endpointOf).sort());
  const counts: number[] = report.spread.endpoints.map((e: { connections: number }) => e.connections);
  assert.is(counts.reduce((a, b) => a + b, 0), report.balancer.connectionsOpened);
  assert.is(report.spread.total, report.balancer.connectionsOpened);
  assert.ok(report.balancer.connectionsOpened >= 6);
  for (const c of counts) assert.ok(c > 0, `an endpoint got no connections: ${counts}`);
  assert.ok(report.spread.fairness >= 0.9, `fairness ${report.spread.fairness} for ${counts}`);
  assert.ok(backends.map(endpointOf).includes(report.direct.endpoint));
  assert.ok(report.direct.result.requests > 0);
  assert.type(report.latencyAdded.p50Ms, 'number');
  assert.type(report.latencyAdded.p99Ms, 'number');
  // CPU: switchyard's from its /metrics (it did work for every request), the load generator's and the machine's.
  assert.ok(report.cpu.switchyardCores > 0, JSON.stringify(report.cpu));
  assert.ok(report.cpu.workers >= 1);
  assert.ok(report.cpu.switchyardUsPerRequest > 0);
  assert.ok(report.cpu.generatorCores > 0);
  assert.ok(report.cpu.machineCores >= 1 && report.cpu.machineBusy > 0 && report.cpu.machineBusy <= 1);
  assert.match(r.stderr, /balancer\s+\[#+\]/);
  assert.match(r.stderr, /direct\s+\[#+\]/);
});

test('bench text report: aligned table, the endpoints and the fairness index', async () => {
  const r = await sy.cli(['bench', 'web', '-d', '1', '-c', '3', '--no-direct', '--port', 'http']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Service: {2}default\/web port http \(80\), via ClusterIP /);
  assert.match(r.stdout, /through switchyard/);
  assert.not.match(r.stdout, /direct to/);
  assert.match(r.stdout, /Jain's fairness index \d\.\d{3}/);
  assert.match(r.stdout, /\nCPU: {6}switchyard \d+\.\d\d cores \(\d+ workers?\), \d+ µs per request; load generator \(this process\) \d+\.\d\d cores; this machine \d+% busy \(\d+ cores\)\n/);
  for (const b of backends) assert.match(r.stdout, new RegExp(`${endpointOf(b).replace(/\./g, '\\.')}\\s+${b.name}\\s+\\d+`));
});

test('bench --mode tcp --close: one connection per request, every one counted on an endpoint', async () => {
  const r = await sy.cli(['bench', 'echo', '--mode', 'tcp', '--close', '-d', '1', '-c', '2', '--no-direct', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.is(report.mode, 'tcp');
  assert.is(report.direct, null);
  assert.is(report.balancer.errors, 0);
  assert.ok(report.balancer.requests > 2);
  assert.is(report.balancer.connectionsOpened, report.balancer.requests);
  assert.ok(report.spread, `no spread: ${report.spreadNote}`);
  assert.equal(report.spread.endpoints.map((e: { endpoint: string }) => e.endpoint).sort(), echoes.map((e) => `${e.ip}:${e.port}`).sort());
  assert.is(report.spread.total, report.balancer.connectionsOpened);
  assert.ok(report.spread.fairness >= 0.9, `fairness ${report.spread.fairness}`);
});

test('bench of a missing Service or port fails with the server error and exit code 1', async () => {
  const missing = await sy.cli(['bench', 'nope', '-d', '1']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /NotFound/);
  const badPort = await sy.cli(['bench', 'web', '-d', '1', '--port', '81']);
  assert.is(badPort.code, 1);
  assert.match(badPort.stderr, /has no port 81; its ports are http \(80\)/);
});

test.run();
