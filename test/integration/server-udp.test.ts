// A UDP Service in `switchyard serve` (a real child process, 2 workers, Node UDP backends): SIGHUP
// re-applying the same manifest leaves live flows alone, deleting one Pod ends only its flows,
// deleting the Service closes its listeners (their flows end), and SIGTERM drains and exits while
// flows are live.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { randomLoopback } from '../helpers/free-port.ts';
import { udpBackend, udpClient, type UdpBackend, type UdpClient } from '../helpers/udp.ts';
import { until } from '../helpers/data-plane.ts';

let sy: SwitchyardProcess;
const backends: UdpBackend[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sy-udp-'));
const file = join(dir, 'app.yaml');
const accessLog = join(dir, 'access.log');

function manifest(pods: UdpBackend[]): string {
  return `apiVersion: v1
kind: Service
metadata: { name: echo }
spec: { selector: { app: echo }, ports: [{ port: 7000, protocol: UDP, targetPort: echo }] }
${pods.map((b, i) => `---
apiVersion: v1
kind: Pod
metadata: { name: echo-${i}, labels: { app: echo } }
spec: { containers: [{ name: echo, ports: [{ name: echo, containerPort: ${b.port}, protocol: UDP }] }] }
status: { podIP: ${b.host} }
`).join('')}`;
}

const log = () => readFileSync(accessLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const tag = (reply: string) => reply.split(':')[0];

test.before(async () => {
  const base = randomLoopback().split('.').slice(0, 3).join('.');
  backends.push(await udpBackend('A', `${base}.11`), await udpBackend('B', `${base}.12`));
  writeFileSync(file, manifest(backends));
  writeFileSync(accessLog, '');
  sy = await startSwitchyard(['-f', file, '--no-demo', '--access-log', accessLog, '--drain-timeout', '20000']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

async function clusterIP(): Promise<string> {
  return JSON.parse((await sy.cli(['get', 'svc', 'echo', '-o', 'json'])).stdout).spec.clusterIP;
}

test('SIGHUP with an unchanged manifest leaves flows alone; deleting a Pod ends only its flows', async () => {
  const ip = await clusterIP();
  await until(() => sy.output().includes('is serving'), 'serving');
  const clients: UdpClient[] = [];
  for (let i = 0; i < 6; i++) clients.push(await udpClient());
  const first = await Promise.all(clients.map((c, i) => c.ask(`a${i}`, 7000, ip)));
  assert.equal(first.map(tag).sort(), ['A', 'A', 'A', 'B', 'B', 'B']);
  sy.child.kill('SIGHUP');
  await until(() => sy.output().includes('SIGHUP'), 'the reload');
  await new Promise((r) => setTimeout(r, 300));
  const again = await Promise.all(clients.map((c, i) => c.ask(`b${i}`, 7000, ip)));
  assert.equal(again.map(tag), first.map(tag), 'every flow kept its endpoint');
  assert.equal(log(), [], 'no flow ended');
  // B's Pod goes: its flows end at once and their next datagram goes to A.
  assert.is((await sy.cli(['delete', 'pod', 'echo-1'])).code, 0);
  await until(() => log().length === 3, 'the three flows to B ended');
  assert.ok(log().every((l) => l.end === 'endpoint-removed' && l.protocol === 'UDP'));
  const after = await Promise.all(clients.map((c, i) => c.ask(`c${i}`, 7000, ip)));
  assert.equal(after.map(tag), ['A', 'A', 'A', 'A', 'A', 'A']);
  for (const c of clients) await c.close();
});

test('deleting the Service closes its listeners and ends its flows; SIGTERM drains and exits with flows live', async () => {
  const ip = await clusterIP();
  const c = await udpClient();
  assert.is(tag(await c.ask('x', 7000, ip)), 'A');
  const before = log().length;
  assert.is((await sy.cli(['delete', 'svc', 'echo'])).code, 0);
  await until(() => log().length > before, 'flows ended with the Service');
  assert.ok(log().slice(before).every((l) => l.end === 'listener-closed' || l.end === 'service-port-removed'), JSON.stringify(log().slice(before)));
  assert.is(await c.ask('y', 7000, ip, 300), 'TIMEOUT', 'no listener any more');
  // Back (the Pod too), with a live flow: SIGTERM ends it within the drain's short idle limit and
  // the process exits 0, long before the drain timeout.
  const reloads = sy.output().split('SIGHUP').length;
  sy.child.kill('SIGHUP');
  await until(() => sy.output().split('SIGHUP').length > reloads, 'the reload');
  let answer = 'TIMEOUT';
  for (let i = 0; i < 40 && answer === 'TIMEOUT'; i++) answer = await c.ask('z', 7000, await clusterIP(), 250);
  assert.ok(answer.endsWith(':z'), answer);
  assert.is(await sy.stop(), 0);
  await c.close();
});

test.run();
