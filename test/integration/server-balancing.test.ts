// Balancing through a real `switchyard serve` (2 worker threads, real sockets): ClientIP affinity
// and its expiry, least-connections with long-lived connections, and a seeded random sequence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

let sy: SwitchyardProcess;
const backends: TcpBackend[] = [];
const SEED = 1234;

/** Connect from a chosen loopback source address; resolve with the backend's greeting. */
function greet(host: string, port: number, from?: string): Promise<{ socket: net.Socket; name: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress: from });
    let buf = '';
    socket.setTimeout(5000, () => { socket.destroy(); reject(new Error('no greeting')); });
    socket.on('error', reject);
    socket.on('data', function onData(d) {
      buf += d;
      if (buf.includes('\n')) { socket.off('data', onData); socket.setTimeout(0); resolve({ socket, name: buf.split('\n')[0] }); }
    });
  });
}

async function once(host: string, port: number, from?: string): Promise<string> {
  const c = await greet(host, port, from);
  c.socket.destroy();
  return c.name;
}

function service(name: string, extra: string): string {
  const pods = backends.map((b) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}-${b.name}, labels: { app: ${name} } }
spec: { containers: [{ name: c, ports: [{ name: p, containerPort: ${b.port} }] }] }
status: { podIP: 127.0.0.1 }
`).join('');
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
${extra}
${pods}`;
}

/** Open connections to one backend as the server's /metrics reports them (the count the picker reads). */
async function activeOn(service: string, backend: TcpBackend): Promise<number> {
  const text = await (await fetch(`${sy.url}/metrics`)).text();
  return sampleValue(parsePrometheusText(text), 'switchyard_endpoint_active_connections', { service, endpoint: `127.0.0.1:${backend.port}` });
}

async function clusterIP(name: string): Promise<string> {
  return JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout).spec.clusterIP;
}

test.before(async () => {
  for (const n of ['x', 'y', 'z']) backends.push(await startTcpBackend(n));
  sy = await startSwitchyard(['--no-demo']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
});

test('ClientIP affinity: one client stays on its endpoint while others rotate; it expires after timeoutSeconds', async () => {
  const r = await sy.cli(['apply', '-f', '-'], service('sticky', `  annotations: {}
spec:
  selector: { app: sticky }
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 1 } }
  ports: [{ port: 7300, targetPort: p }]`));
  assert.is(r.code, 0, r.stderr);
  const ip = await clusterIP('sticky');
  const a = '127.0.0.2';
  const first = await once(ip, 7300, a);
  for (let i = 0; i < 6; i++) {
    assert.is(await once(ip, 7300, a), first, 'same client, same endpoint');
    await once(ip, 7300, `127.0.1.${i + 1}`); // others take fresh picks meanwhile
  }
  // Three fresh picks by other clients; then, after the timeout, the client's next connection is
  // a fresh pick too: the round-robin position after theirs, which is not `first`.
  const others = [];
  for (let i = 0; i < 3; i++) others.push(await once(ip, 7300, `127.0.2.${i + 1}`));
  const cycle = others; // three consecutive round-robin picks = the whole cycle in order
  assert.equal([...cycle].sort(), ['x', 'y', 'z']);
  await new Promise((res) => setTimeout(res, 2200));
  const next = cycle[0]; // the cycle repeats
  assert.is(await once(ip, 7300, a), next, 'after expiry the client gets a fresh pick');
});

test('ClientIP affinity ends when the endpoint stops being usable', async () => {
  const ip = await clusterIP('sticky');
  const a = '127.0.0.3';
  const first = await once(ip, 7300, a);
  const del = await sy.cli(['delete', 'pod', `sticky-${first}`]);
  assert.is(del.code, 0, del.stderr);
  const deadline = Date.now() + 10_000;
  let moved = first;
  while (moved === first && Date.now() < deadline) moved = await once(ip, 7300, a);
  assert.is.not(moved, first);
});

test('least-connections: new connections go to the endpoint with the fewest active ones', async () => {
  await sy.cli(['apply', '-f', '-'], service('lc', `  annotations: { switchyard.io/lb-algorithm: least-connections }
spec:
  selector: { app: lc }
  ports: [{ port: 7301, targetPort: p }]`));
  const ip = await clusterIP('lc');
  const held: { socket: net.Socket; name: string }[] = [];
  for (let i = 0; i < 6; i++) held.push(await greet(ip, 7301));
  const per = (n: string) => held.filter((h) => h.name === n && !h.socket.destroyed).length;
  assert.equal(['x', 'y', 'z'].map(per), [2, 2, 2], 'ties spread evenly');
  const victim = held[0].name;
  for (const h of held.filter((h) => h.name === victim)) h.socket.destroy();
  // The closes reached the workers once the shared count the picker reads is down to zero.
  const victimBackend = backends.find((b) => b.name === victim)!;
  const deadline = Date.now() + 10_000;
  while ((await activeOn('default/lc', victimBackend)) !== 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
  assert.is(await activeOn('default/lc', victimBackend), 0, 'the closed connections left the count');
  const next1 = await greet(ip, 7301);
  const next2 = await greet(ip, 7301);
  assert.equal([next1.name, next2.name], [victim, victim]);
  for (const h of [...held, next1, next2]) h.socket.destroy();
});

test('random with --random-seed: the exact seeded sequence', async () => {
  // One worker, so one random stream: seeded with SEED + worker id 0.
  const one = await startSwitchyard(['--no-demo', '--random-seed', String(SEED), '--workers', '1']);
  try {
    const r = await one.cli(['apply', '-f', '-'], service('rnd', `  annotations: { switchyard.io/lb-algorithm: random }
spec:
  selector: { app: rnd }
  ports: [{ port: 7302, targetPort: p }]`));
    assert.is(r.code, 0, r.stderr);
    const ip = JSON.parse((await one.cli(['get', 'svc', 'rnd', '-o', 'json'])).stdout).spec.clusterIP;
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) seen.push(await once(ip, 7302));
    // Endpoints in snapshot order: sorted by ip:port, as kube-proxy orders them.
    const order = [...backends].sort((p, q) => (`127.0.0.1:${p.port}` < `127.0.0.1:${q.port}` ? -1 : 1)).map((b) => b.name);
    const rnd = seededRandom(SEED);
    const expected = seen.map(() => order[Math.floor(rnd() * 3)]);
    assert.equal(seen, expected);
  } finally {
    await one.stop();
    removeDir(one.stateDir);
  }
});

test.run();
