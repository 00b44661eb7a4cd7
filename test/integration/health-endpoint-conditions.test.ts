// What the user sees of the health loop, through the real server (a child process) and the CLI:
// a manual endpoint whose implicit probe fails shows ready/serving false in its EndpointSlice, is
// listed under notReadyAddresses in its Endpoints, gets no traffic, and comes back once it listens;
// a Pod whose readinessProbe fails shows 0/1 in `get pods` and the probe's message in `describe pod`;
// every transition is an event on the Service and a line in the server log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopback } from '../helpers/free-port.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
let good: TcpBackend;
let late: TcpBackend | undefined;
const deadIp = randomLoopback();
let deadPort = 0;
const podIp = randomLoopback();
let podPort = 0;
const logDir = mkdtempSync(join(tmpdir(), 'sy-access-'));
const accessLog = join(logDir, 'access.log');

/** Access-log entries of connections to the `manual` Service. */
function manualConnections(): { endpoint: string | null; attempts: number; end: string }[] {
  let text = '';
  try { text = readFileSync(accessLog, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.servicePort.startsWith('default/manual:'));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${sy.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function json(args: string[]): Promise<any> {
  const r = await sy.cli([...args, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const conditionsOf = async (service: string, ip: string) => {
  const list = await json(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`]);
  for (const s of list.items) for (const e of s.endpoints ?? []) if (e.addresses[0] === ip) return e.conditions ?? {};
  return undefined;
};

test.before(async () => {
  good = await startTcpBackend('good', '127.0.0.1');
  deadPort = await freePort(deadIp);
  podPort = await freePort(podIp);
  sy = await startSwitchyard(['--no-demo', '--default-probe-period', '1', '--access-log', accessLog]);
  const manifests = `apiVersion: v1
kind: Service
metadata: { name: manual }
spec: { ports: [{ name: tcp, port: 7000 }] }
---
apiVersion: v1
kind: Endpoints
metadata: { name: manual }
subsets:
- addresses: [{ ip: 127.0.0.1 }]
  ports: [{ name: tcp, port: ${good.port} }]
- addresses: [{ ip: ${deadIp} }]
  ports: [{ name: tcp, port: ${deadPort} }]
---
apiVersion: v1
kind: Service
metadata: { name: sliced }
spec: { ports: [{ port: 7001, targetPort: ${deadPort} }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: sliced-1, labels: { kubernetes.io/service-name: sliced } }
addressType: IPv4
ports: [{ port: ${deadPort} }]
endpoints: [{ addresses: [${deadIp}] }]
---
apiVersion: v1
kind: Service
metadata: { name: probed }
spec: { selector: { app: probed }, ports: [{ port: 7002, targetPort: http }] }
---
apiVersion: v1
kind: Pod
metadata: { name: probed-1, labels: { app: probed } }
spec:
  containers:
  - name: app
    image: app
    ports: [{ name: http, containerPort: ${podPort} }]
    readinessProbe: { httpGet: { port: http, path: /healthz }, periodSeconds: 1, failureThreshold: 2 }
status: { podIP: ${podIp} }
`;
  const r = await sy.cli(['apply', '-f', '-'], manifests);
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await good?.close();
  await late?.close();
  rmSync(logDir, { recursive: true, force: true });
});

test('a manual endpoint whose probe fails: not ready in its slice, under notReadyAddresses, no traffic', async () => {
  await waitFor('dead endpoint not ready', async () => (await conditionsOf('manual', deadIp))?.ready === false);
  assert.equal(await conditionsOf('manual', deadIp), { ready: false, serving: false });
  assert.equal(await conditionsOf('manual', '127.0.0.1'), { ready: true });
  // An applied EndpointSlice gets the same verdict, in lists and by name.
  await waitFor('applied slice endpoint not ready', async () => (await conditionsOf('sliced', deadIp))?.ready === false);
  const byName = await json(['get', 'endpointslice', 'sliced-1']);
  assert.equal(byName.endpoints[0].conditions, { ready: false, serving: false });

  const ep = await json(['get', 'endpoints', 'manual']);
  const ready = ep.subsets.flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip));
  const notReady = ep.subsets.flatMap((s: any) => (s.notReadyAddresses ?? []).map((a: any) => a.ip));
  assert.equal(ready, ['127.0.0.1']);
  assert.equal(notReady, [deadIp]);
  const described = await sy.cli(['describe', 'endpoints', 'manual']);
  assert.match(described.stdout, new RegExp(`NotReadyAddresses:\\s+${deadIp.replace(/\./g, '\\.')}`));
  const table = await sy.cli(['get', 'endpoints', 'manual']);
  assert.ok(table.stdout.includes(`127.0.0.1:${good.port}`) && !table.stdout.includes(deadIp), table.stdout);

  // Only the live endpoint is tried: a retry would hide a connect to the dead one from the client,
  // so the access log is the witness (one attempt each, all on the live endpoint).
  const svc = await json(['get', 'svc', 'manual']);
  for (let i = 0; i < 6; i++) {
    const { socket, name } = await connectAndGreet(svc.spec.clusterIP, 7000);
    socket.destroy();
    assert.is(name, 'good');
  }
  await waitFor('access log lines', async () => manualConnections().length >= 6);
  for (const c of manualConnections()) {
    assert.is(c.attempts, 1, JSON.stringify(c));
    assert.is(c.endpoint, `127.0.0.1:${good.port}`);
  }

  const events = (await sy.cli(['describe', 'svc', 'manual'])).stdout;
  assert.match(events, new RegExp(`Unhealthy .*endpoint ${deadIp.replace(/\./g, '\\.')}:${deadPort} is not ready: Readiness probe failed: dial tcp ${deadIp.replace(/\./g, '\\.')}:${deadPort}: connect: connection refused`));
  assert.match(sy.output(), new RegExp(`WARN +health: endpoint ${deadIp.replace(/\./g, '\\.')}:${deadPort} is not ready`));
});

test('the endpoint comes back when it listens again: ready in its slice and in the Endpoints addresses', async () => {
  late = await listenOn(deadIp, deadPort, 'late');
  await waitFor('dead endpoint ready again', async () => (await conditionsOf('manual', deadIp))?.ready !== false);
  assert.equal(await conditionsOf('manual', deadIp), { ready: true });
  const ep = await json(['get', 'endpoints', 'manual']);
  assert.ok(ep.subsets.every((s: any) => !s.notReadyAddresses), JSON.stringify(ep.subsets));
  await waitFor('applied slice ready again', async () => (await conditionsOf('sliced', deadIp))?.ready !== false);
  const svc = await json(['get', 'svc', 'manual']);
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const { socket, name } = await connectAndGreet(svc.spec.clusterIP, 7000);
    socket.destroy();
    seen.add(name);
  }
  assert.equal([...seen].sort(), ['good', 'late']);
  assert.match((await sy.cli(['describe', 'svc', 'manual'])).stdout, new RegExp(`Ready .*endpoint ${deadIp.replace(/\./g, '\\.')}:${deadPort} is ready`));
  assert.match(sy.output(), new RegExp(`INFO +health: endpoint ${deadIp.replace(/\./g, '\\.')}:${deadPort} is ready`));
});

test('a Pod whose readinessProbe fails: READY 0/1, not ready in its slice, the probe message in describe pod', async () => {
  await waitFor('Unhealthy event on the Pod', async () => (await sy.cli(['describe', 'pod', 'probed-1'])).stdout.includes('Unhealthy'));
  const pods = (await sy.cli(['get', 'pods', 'probed-1'])).stdout.split('\n')[1].split(/\s+/);
  assert.equal(pods.slice(0, 3), ['probed-1', '0/1', 'Running']);
  const described = (await sy.cli(['describe', 'pod', 'probed-1'])).stdout;
  assert.match(described, /Ready\s+False/);
  assert.match(described, new RegExp(`Warning\\s+Unhealthy\\s+.*switchyard-health\\s+Readiness probe failed: Get "http://${podIp.replace(/\./g, '\\.')}:${podPort}/healthz": dial tcp ${podIp.replace(/\./g, '\\.')}:${podPort}: connect: connection refused`));
  assert.equal(await conditionsOf('probed', podIp), { ready: false, serving: false, terminating: false });
});

/** A greeting TCP server on a fixed address and port (the helper's backends take port 0). */
function listenOn(ip: string, port: number, name: string): Promise<TcpBackend> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
    s.on('error', () => {});
    s.write(`${name}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve({
      name, ip, port, connections,
      close: () => new Promise((r) => { for (const c of connections) c.destroy(); server.close(() => r()); }),
    }));
  });
}

test.run();
