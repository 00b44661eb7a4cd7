// Faults through a real `switchyard serve` (2 worker threads, raw-handle data plane): a backend
// process killed with SIGKILL mid-stream, and a flood of connections against a connection limit.
// Every process started here is stopped by its PID.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { parsePrometheusText, sampleValue, type Family } from '../helpers/prometheus-text.ts';
import { until } from '../helpers/data-plane.ts';

const LIMIT = 300;
const FLOOD = 1200;

let sy: SwitchyardProcess;
const children: ChildProcess[] = [];
const inProcess: TcpBackend[] = [];

interface ChildBackend { name: string; port: number; pid: number }

async function spawnBackend(name: string): Promise<ChildBackend> {
  const child = spawn(process.execPath, [new URL('../helpers/stream-backend-child.ts', import.meta.url).pathname, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend ${name} did not start`)), 10_000);
    createInterface({ input: child.stdout! }).once('line', (l) => { clearTimeout(timer); resolve(Number(l)); });
  });
  return { name, port, pid: child.pid! };
}

function manifest(name: string, pods: { name: string; port: number }[]): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ name: tcp, port: 7500, targetPort: p }]
${pods.map((p) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}-${p.name}, labels: { app: ${name} } }
spec: { containers: [{ name: c, ports: [{ name: p, containerPort: ${p.port} }] }] }
status: { podIP: 127.0.0.1 }
`).join('')}`;
}

async function apply(yaml: string): Promise<string> {
  const r = await sy.cli(['apply', '-f', '-'], yaml);
  assert.is(r.code, 0, r.stderr);
  const name = /name: (\S+) }/.exec(yaml)![1];
  return JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout).spec.clusterIP;
}

/** A client that reads the greeting line and then counts what streams in after it. */
interface Client { socket: net.Socket; name: string; bytes: number; ended: Promise<string> }

function connectClient(host: string, port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let head = '';
    let client: Client | null = null;
    // How the stream ended: 'end' (a clean FIN) or the error code.
    const ended = new Promise<string>((done) => {
      socket.on('end', () => done('end'));
      socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
      socket.on('close', () => done('close'));
    });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no greeting in 5 s')); }, 5000);
    socket.on('data', (d: Buffer) => {
      if (client) { client.bytes += d.length; return; }
      head += d.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      client = { socket, name: head.slice(0, nl), bytes: head.length - nl - 1, ended };
      resolve(client);
    });
    ended.then((how) => { if (!client) { clearTimeout(timer); reject(new Error(`closed before the greeting: ${how}`)); } });
  });
}

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${sy.url}/metrics`);
  assert.is(res.status, 200);
  return parsePrometheusText(await res.text());
}

test.before(async () => {
  sy = await startSwitchyard(['--no-demo', '--max-connections', String(LIMIT)]);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const b of inProcess) await b.close();
});

test('a backend killed mid-stream: its clients see a reset, not a clean end; the others and new connections carry on', async () => {
  const a = await spawnBackend('a');
  const b = await spawnBackend('b');
  const ip = await apply(manifest('streams', [a, b]));
  const svc = { service: 'default/streams', port: 'tcp/TCP' };
  const clients: Client[] = [];
  try {
    await killMidStream(ip, svc, a, clients);
  } finally {
    // Whatever failed: these count against the global connection limit the next test floods.
    for (const c of clients) c.socket.destroy();
  }
});

async function killMidStream(ip: string, svc: Record<string, string>, a: ChildBackend, clients: Client[]): Promise<void> {
  // Round-robin over two endpoints: a handful of connections reaches both.
  for (let i = 0; i < 6; i++) clients.push(await connectClient(ip, 7500));
  const onA = clients.filter((c) => c.name === 'a');
  const onB = clients.filter((c) => c.name === 'b');
  assert.ok(onA.length > 0 && onB.length > 0, `spread: ${clients.map((c) => c.name).join(' ')}`);
  // Bytes the backend never reads: on its death the kernel answers them with a reset.
  for (const c of clients) c.socket.write(Buffer.alloc(8192, 0x62));
  await until(() => clients.every((c) => c.bytes > 256 * 1024), 'every client to receive its stream');

  process.kill(a.pid, 'SIGKILL');
  for (const c of onA) assert.is(await c.ended, 'ECONNRESET', 'a client of the killed backend must not see a clean end');

  // The other backend's clients keep streaming.
  const before = onB.map((c) => c.bytes);
  await until(() => onB.every((c, i) => c.bytes > before[i] + 256 * 1024), 'the surviving streams to go on');
  // New connections all reach the survivor: a pick of the dead endpoint is refused and retried.
  for (let i = 0; i < 6; i++) {
    const c = await connectClient(ip, 7500);
    assert.is(c.name, 'b');
    c.socket.destroy();
  }
  const m = await scrape();
  assert.ok(sampleValue(m, 'switchyard_service_port_retries_total', svc) >= 1, 'the dead endpoint was picked and retried');
  assert.ok(sampleValue(m, 'switchyard_service_port_connect_errors_total', svc) >= 1);
}

/** Connections open through switchyard, all Services, all workers (what --max-connections counts). */
function activeEverywhere(m: Map<string, Family>): number {
  return m.get('switchyard_worker_active_connections')!.samples.reduce((sum, s) => sum + s.value, 0);
}

test(`a flood of ${FLOOD} connections against --max-connections ${LIMIT}: exactly ${LIMIT} served, the rest refused at once, none left hanging`, async () => {
  for (const n of ['x', 'y']) inProcess.push(await startTcpBackend(n));
  const ip = await apply(manifest('flood', inProcess.map((b) => ({ name: b.name, port: b.port }))));
  const svc = { service: 'default/flood', port: 'tcp/TCP' };
  // The limit is global: start from no open connection at all.
  let m0 = await scrape();
  for (let i = 0; i < 100 && activeEverywhere(m0) !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    m0 = await scrape();
  }
  assert.is(activeEverywhere(m0), 0, 'connections still open before the flood');
  const refusedBefore = sampleValue(m0, 'switchyard_service_port_refusals_total', { ...svc, cause: 'max_connections' });

  const held: net.Socket[] = [];
  let refused = 0;
  let hung = 0;
  const one = () => new Promise<void>((resolve) => {
    const s = net.connect({ host: ip, port: 7500 });
    // Bounded: a connection neither served nor refused within 15 s counts as hanging.
    const timer = setTimeout(() => { hung++; s.destroy(); resolve(); }, 15_000);
    s.once('data', () => { clearTimeout(timer); held.push(s); resolve(); });
    s.on('error', () => {});
    s.once('close', () => { if (!held.includes(s)) { clearTimeout(timer); refused++; resolve(); } });
  });
  const flood = Promise.all(Array.from({ length: FLOOD }, one));
  // The admin API answers while the listener is flooded.
  const health = await fetch(`${sy.url}/healthz`);
  assert.is(health.status, 200);
  await flood;
  assert.is(hung, 0, 'connections left hanging');
  assert.is(held.length, LIMIT, 'served');
  assert.is(refused, FLOOD - LIMIT, 'refused');
  const m1 = await scrape();
  assert.is(sampleValue(m1, 'switchyard_service_port_refusals_total', { ...svc, cause: 'max_connections' }) - refusedBefore, FLOOD - LIMIT);
  assert.is(sampleValue(m1, 'switchyard_service_port_active_connections', svc), LIMIT);

  // Once the flood lets go, every slot comes back: active counts return to zero and a new
  // connection is served and echoes.
  for (const s of held) s.destroy();
  let m2 = m1;
  for (let i = 0; i < 100 && sampleValue(m2, 'switchyard_service_port_active_connections', svc) !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    m2 = await scrape();
  }
  assert.is(sampleValue(m2, 'switchyard_service_port_active_connections', svc), 0);
  const c = await connectClient(ip, 7500);
  assert.ok(['x', 'y'].includes(c.name));
  c.socket.write('ping');
  await until(() => c.bytes >= 4, 'the echo');
  c.socket.destroy();
});

test.run();
