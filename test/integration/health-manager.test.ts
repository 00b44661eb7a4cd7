// The health loop against real backends on 127.0.0.1: real probes, a real child process stopped
// with SIGSTOP, and passive ejection fed by the real connection handler and endpoint picker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { socketTransport } from '../../src/data/socket-transport.ts';
import { handleConnection } from '../../src/data/connection-handler.ts';
import { createConnectionRegistry } from '../../src/data/connection-registry.ts';
import { createEndpointPicker } from '../../src/data/endpoint-picker.ts';
import { startHealthManager, type HealthManager } from '../../src/health/health-manager.ts';
import { servicePortEndpoints } from '../../src/model/service-port-endpoints.ts';
import type { Container, Pod, Probe, Service } from '../../src/model/types.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { EJECTED } from '../../src/shared/slot-state.ts';
import { freePort } from '../helpers/free-port.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { memoryRegistry, type TestRegistry } from '../helpers/memory-registry.ts';

const closers: (() => Promise<void> | void)[] = [];
test.after.each(async () => { for (const c of closers.splice(0).reverse()) await c(); });

function pod(name: string, ip: string, containers: Container[], labels: Record<string, string> = { app: name }): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers }, status: { phase: 'Running', podIP: ip } };
}
function svc(name: string, targetPort: number | string, selector: Record<string, string> = { app: name }): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector, ports: [{ port: 80, protocol: 'TCP', targetPort }] } };
}
const probe = (p: Probe): Probe => ({ periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 2, initialDelaySeconds: 0, ...p });

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

/** The health loop's own verdict on a Pod's probe (the registry's view may predate the loop). */
function podTarget(health: HealthManager, pod: string) {
  return health.status().find((t) => t.key.startsWith(`pod:default/${pod}:`));
}

async function newRegistry(): Promise<TestRegistry> {
  const registry = await memoryRegistry();
  closers.push(() => registry.close());
  return registry;
}

function startManager(registry: TestRegistry, enabled = true, ejection = {}, clock?: FakeClock): { health: HealthManager; slots: ReturnType<typeof createEndpointSlots> } {
  const slots = createEndpointSlots(createEndpointTable({ maxSlots: 64, maxServicePorts: 8, affinityEntries: 8 }));
  const health = startHealthManager({
    registry: registry.registry, slots, clock, defaultProbe: { enabled, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2, successThreshold: 1 },
    maxConcurrent: 16, log: () => {}, ejection: { intervalMs: 100, ...ejection },
  });
  registry.registry.setReadiness(health);
  closers.push(() => health.close());
  return { health, slots };
}

function httpServer(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  closers.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
}

test('SIGSTOP of a backend process: leaves the endpoint set, returns after SIGCONT', async () => {
  const child: ChildProcess = spawn(process.execPath, ['-e',
    "const s=require('node:http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>process.stdout.write(s.address().port+'\\n'))"],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  closers.push(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
  const registry = await newRegistry();
  await registry.put(svc('web', 'http'));
  await registry.put(pod('web', '127.0.0.1', [{ name: 'app', ports: [{ name: 'http', containerPort: port }], readinessProbe: probe({ httpGet: { port: 'http', path: '/' } }) }]));
  const { health } = startManager(registry);
  const ready = () => registry.readyByIp('default', 'web')['127.0.0.1'];
  await waitFor('first success', () => podTarget(health, 'web')?.ready === true && ready() === true, 10_000);
  process.kill(child.pid!, 'SIGSTOP');
  // periodSeconds × failureThreshold + timeoutSeconds = 3 s, plus generous slack for a loaded machine.
  await waitFor('not ready after SIGSTOP', () => ready() === false, 3_000 * 4);
  const event = registry.events().find((e) => e.reason === 'Unhealthy' && e.involved.kind === 'Pod');
  assert.match(event!.message, /^Readiness probe failed: Get "http:\/\/127\.0\.0\.1:\d+\/": context deadline exceeded/);
  assert.ok(registry.events().some((e) => e.reason === 'Unhealthy' && e.involved.kind === 'Service' && e.involved.name === 'web'));
  process.kill(child.pid!, 'SIGCONT');
  await waitFor('ready after SIGCONT', () => ready() === true, 10_000);
});

test('httpGet answering 500 keeps the Pod not ready; exec probes decide by exit status', async () => {
  const bad = await httpServer((_q, r) => { r.writeHead(500).end(); });
  const registry = await newRegistry();
  await registry.put(svc('api', 8080, { tier: 'api' }));
  await registry.put(pod('broken', '127.0.0.2', [{ name: 'app', readinessProbe: probe({ httpGet: { port: bad, host: '127.0.0.1', path: '/healthz' } }) }], { tier: 'api' }));
  await registry.put(pod('exec-ok', '127.0.0.3', [{ name: 'app', readinessProbe: probe({ exec: { command: ['true'] } }) }], { tier: 'api' }));
  await registry.put(pod('exec-bad', '127.0.0.4', [{ name: 'app', readinessProbe: probe({ exec: { command: ['/bin/sh', '-c', 'exit 1'] } }) }], { tier: 'api' }));
  const { health } = startManager(registry);
  // Pods with a readinessProbe start not ready: only the probes' own results show that they ran.
  const message = (ip: string) => health.status().find((t) => t.endpoint.split(':')[0] === ip)?.lastMessage;
  await waitFor('exec-ok ready', () => podTarget(health, 'exec-ok')?.ready === true && registry.readyByIp('default', 'api')['127.0.0.3'] === true, 10_000);
  await waitFor('the HTTP probe answered 500', () => message('127.0.0.2') !== undefined, 10_000);
  await waitFor('the exec probe exited 1', () => message('127.0.0.4') !== undefined, 10_000);
  assert.is(message('127.0.0.2'), 'Readiness probe failed: HTTP probe failed with statuscode: 500');
  assert.is(message('127.0.0.4'), 'Readiness probe failed: command "/bin/sh -c exit 1" exited with code 1');
  assert.equal(registry.readyByIp('default', 'api'), { '127.0.0.2': false, '127.0.0.3': true, '127.0.0.4': false });
});

test('named probe port resolves against the container ports; an unknown name errors', async () => {
  const backend = await startTcpBackend('metrics');
  closers.push(() => backend.close());
  const registry = await newRegistry();
  await registry.put(svc('named', 'web', { app: 'named' }));
  const containers = (probePort: string): Container[] => [{ name: 'app', ports: [{ name: 'web', containerPort: 1 }, { name: 'metrics', containerPort: backend.port }], readinessProbe: probe({ tcpSocket: { port: probePort } }) }];
  await registry.put(pod('good', '127.0.0.1', containers('metrics'), { app: 'named' }));
  await registry.put(pod('typo', '127.0.0.5', containers('metricz'), { app: 'named' }));
  const { health } = startManager(registry);
  await waitFor('named port probe', () => podTarget(health, 'good')?.ready === true && registry.readyByIp('default', 'named')['127.0.0.1'] === true, 10_000);
  await waitFor('error event', () => registry.events().some((e) => e.involved.name === 'typo'), 10_000);
  assert.is(registry.readyByIp('default', 'named')['127.0.0.5'], false);
  assert.is(registry.events().find((e) => e.involved.name === 'typo')!.message, 'Readiness probe errored: couldn\'t find port: metricz in container "app"');
});

test('passive ejection: a backend refusing connections is ejected from the data plane, and returns', async () => {
  const good: TcpBackend = await startTcpBackend('good');
  closers.push(() => good.close());
  const refusingPort = await freePort();
  const registry = await newRegistry();
  const service = svc('edge', 'tcp', { app: 'edge' });
  await registry.put(service);
  await registry.put(pod('good', '127.0.0.1', [{ name: 'app', ports: [{ name: 'tcp', containerPort: good.port }] }], { app: 'edge' }));
  await registry.put(pod('dead', '127.0.0.1', [{ name: 'app', ports: [{ name: 'tcp', containerPort: refusingPort }] }], { app: 'edge' }));
  // No active probes: only the data plane's own connect failures count. The health loop's clock is
  // manual, so the ejection lasts exactly until the test moves it on, however slow the machine.
  const clock = new FakeClock(Date.now());
  const { health, slots } = startManager(registry, false, { consecutiveFailures: 3, baseEjectionMs: 1_500 }, clock);
  const picker = createEndpointPicker(slots.table);
  const index = slots.allocServicePort();
  const eps = servicePortEndpoints(service, registry.registry.serviceSlices('default', 'edge')).get('/TCP')!;
  picker.setServicePort({
    index, name: 'default/edge:80/TCP', generation: 1,
    options: { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1000, idleTimeoutMs: 10_000, connectAttempts: 3, maxConnections: 0 },
    endpoints: slots.update(index, eps.map((e) => ({ ip: e.ip, port: e.port, ready: e.ready, serving: e.serving, terminating: e.terminating, weight: 1, name: `${e.port}` }))),
  });
  health.resync();
  const access: { endpoint: string; attempts: number }[] = [];
  const conns = createConnectionRegistry();
  const proxy = net.createServer((client) => handleConnection(client, socketTransport, {
    id: 'test', address: '127.0.0.1', port: 0, servicePortIndex: index, allowSource: null,
  }, { picker, registry: conns, globalMaxConnections: 0, accessLog: (line) => access.push(JSON.parse(line)) }));
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => proxy.close(() => r())));
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const roundOf = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const { socket, name } = await connectAndGreet('127.0.0.1', proxyPort);
      assert.is(name, 'good', 'retries hide the dead backend from clients');
      await new Promise<void>((r) => { socket.once('close', () => r()); socket.end(); });
    }
  };
  await roundOf(8);
  await clock.advance(100); // one pass of the passive loop reads the failure counters
  assert.ok(health.isEjected('127.0.0.1', refusingPort), 'ejected');
  assert.ok(slots.table.flags(slots.slotOf('127.0.0.1', refusingPort)!) & EJECTED);
  assert.ok(registry.events().some((e) => e.reason === 'Ejected' && e.involved.name === 'edge'));
  const before = access.length;
  await roundOf(6);
  await waitFor('access log', () => access.length >= before + 6, 5_000);
  assert.ok(access.slice(before).every((a) => a.attempts === 1), 'no connection tries the ejected backend');
  // Not covered by an active probe: it returns when its ejection time is up.
  await clock.advance(1_400);
  assert.ok(health.isEjected('127.0.0.1', refusingPort), 'still within its 1.5 s');
  await clock.advance(200);
  assert.not.ok(health.isEjected('127.0.0.1', refusingPort), 'back after its ejection time');
});

test.run();
