// `switchyard serve` as a real child process with 2 worker threads, Node TCP backends:
// exact round-robin across workers, SIGHUP with 100 established connections drops none,
// zero endpoints refuse at once, kill -9 and restart keep ClusterIP and NodePort, SIGTERM drains.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, roundTrip, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
const backends: TcpBackend[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sy-manifests-'));
const file = join(dir, 'app.yaml');

function manifest(label: string, podCount: number): string {
  const pods = backends.slice(0, podCount).map((b) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${b.name}, labels: { app: echo } }
spec: { containers: [{ name: echo, ports: [{ name: echo, containerPort: ${b.port} }] }] }
status: { podIP: ${b.ip} }
`).join('');
  return `apiVersion: v1
kind: Service
metadata: { name: echo, labels: { note: "${label}" } }
spec:
  type: NodePort
  selector: { app: echo }
  ports: [{ port: 7000, targetPort: echo }]
${pods}`;
}

async function service(): Promise<{ clusterIP: string; nodePort: number }> {
  const s = JSON.parse((await sy.cli(['get', 'svc', 'echo', '-o', 'json'])).stdout);
  return { clusterIP: s.spec.clusterIP, nodePort: s.spec.ports[0].nodePort };
}

/** Polls `probe` every 50 ms until it returns true, for at most `ms`. */
async function eventually(what: string, probe: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How a new connection to host:port ends: 'data' (served) or its error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(3000, () => { s.destroy(); resolve('hang'); });
    s.on('data', () => { s.destroy(); resolve('data'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.on('close', () => resolve('closed'));
  });
}

test.before(async () => {
  for (const n of ['a', 'b', 'c']) backends.push(await startTcpBackend(n));
  writeFileSync(file, manifest('one', 3));
  sy = await startSwitchyard(['-f', file, '--no-demo']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

test('round-robin: sequential connections rotate exactly across 2 workers', async () => {
  const { clusterIP } = await service();
  const names: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { socket, name } = await connectAndGreet(clusterIP, 7000);
    names.push(name);
    socket.destroy();
  }
  // endpoints are ordered by ip:port (kube-proxy's order), so the cycle's order follows the ports
  assert.equal([...names.slice(0, 3)].sort(), ['a', 'b', 'c']);
  const expected = Array.from({ length: 12 }, (_, i) => names[i % 3]);
  assert.equal(names, expected);
});

test('SIGHUP with 100 established connections drops none', async () => {
  const { clusterIP, nodePort } = await service();
  const conns = [];
  for (let i = 0; i < 100; i++) conns.push(await connectAndGreet(i % 2 ? clusterIP : sy.nodeAddress, i % 2 ? 7000 : nodePort));
  writeFileSync(file, manifest('two', 3));
  sy.child.kill('SIGHUP');
  const deadline = Date.now() + 15_000;
  while (!sy.output().includes('service/echo configured') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(sy.output().includes('service/echo configured'), 'reload applied the change');
  const results = await Promise.all(conns.map((c, i) => roundTrip(c.socket, `ping-${i}\n`)));
  assert.is(results.filter(Boolean).length, 100);
  for (const c of conns) c.socket.destroy();
  assert.equal(await service(), { clusterIP, nodePort }, 'reload keeps ClusterIP and NodePort');
});

test('zero endpoints: a connection is refused at once', async () => {
  writeFileSync(file, manifest('three', 0));
  // Pods stay applied after removing them from the file (apply does not prune): delete them.
  for (const b of backends) await sy.cli(['delete', 'pod', b.name]);
  const { clusterIP } = await service();
  const deadline = Date.now() + 10_000;
  let outcome = '';
  while (Date.now() < deadline) {
    outcome = await tryConnect(clusterIP, 7000);
    if (outcome !== 'data') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(['ECONNRESET', 'ECONNREFUSED'].includes(outcome), `refused, got ${outcome}`);
});

test('kill -9 and restart: same ClusterIP and NodePort, traffic flows again', async () => {
  writeFileSync(file, manifest('four', 3));
  sy.child.kill('SIGHUP');
  const before = await service();
  // The reload's Pods are acknowledged (stored) before the kill.
  await eventually('the reload to re-create the Pods', async () =>
    (await sy.cli(['get', 'pods', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length === backends.length);
  await sy.kill9();
  sy = await sy.restart();
  assert.equal(await service(), before);
  const deadline = Date.now() + 10_000;
  let name = '';
  while (!name && Date.now() < deadline) {
    try { const c = await connectAndGreet(before.clusterIP, 7000); name = c.name; c.socket.destroy(); } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  assert.ok(['a', 'b', 'c'].includes(name));
});

test('SIGTERM: established connections finish, then exit 0', async () => {
  const { clusterIP } = await service();
  const c = await connectAndGreet(clusterIP, 7000);
  const exit = sy.stop();
  // The drain has begun once the listener refuses newcomers.
  await eventually('the drain to stop the listener', async () => (await tryConnect(clusterIP, 7000)) !== 'data');
  assert.ok(await roundTrip(c.socket, 'still here\n'), 'connection still served while draining');
  c.socket.end();
  assert.is(await exit, 0);
});

test.run();
