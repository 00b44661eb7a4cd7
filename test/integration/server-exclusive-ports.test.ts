// Two `switchyard serve` on one machine with the same Services (different state directories): the
// first owns the ClusterIP and NodePort listeners; the second must not take a share of them through
// SO_REUSEPORT. It reports the port taken (describe, /metrics, log), retries with back-off and takes
// the address once the first has gone. A third serve on the first one's state directory is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { freePort } from '../helpers/free-port.ts';
import { greetingCounts, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import { waitForValue } from '../helpers/wait-for.ts';

let first: SwitchyardProcess;
let second: SwitchyardProcess;
let owner: TcpBackend;
let intruder: TcpBackend;

function manifest(backend: TcpBackend): string {
  return `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: NodePort
  selector: { app: web }
  ports: [{ port: 8080, targetPort: p }]
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, labels: { app: web } }
spec: { containers: [{ name: c, ports: [{ name: p, containerPort: ${backend.port} }] }] }
status: { podIP: 127.0.0.1 }
`;
}


test.before(async () => {
  owner = await startTcpBackend('owner');
  intruder = await startTcpBackend('intruder');
  first = await startSwitchyard(['--no-demo']);
  second = await startSwitchyard(['--no-demo'], {
    stateDir: mkdtempSync(join(tmpdir(), 'switchyard-state-')), nodeAddress: first.nodeAddress,
    serviceCidr: first.serviceCidr, adminPort: await freePort(),
  });
});

test.after(async () => {
  for (const sy of [first, second]) {
    await sy?.stop();
    if (sy) removeDir(sy.stateDir);
  }
  await owner?.close();
  await intruder?.close();
});

test('the second server reports the port taken and takes no traffic; it takes over once the first is gone', async () => {
  assert.is((await first.cli(['apply', '-f', '-'], manifest(owner))).code, 0);
  const svc = JSON.parse((await first.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);
  // The first owns its listeners before the second tries: two binds racing could each see the
  // other's sockets and both back off, and then either may win the retry.
  await waitForValue('the first server listening', async () => {
    const m = parsePrometheusText(await (await fetch(`${first.url}/metrics`)).text());
    const up = [...m.get('switchyard_listener_up')?.samples ?? []];
    return up.length === 2 && up.every((x) => x.value === 1) ? true : undefined;
  });
  assert.is((await second.cli(['apply', '-f', '-'], manifest(intruder))).code, 0);
  const svc2 = JSON.parse((await second.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);
  // Same manifests, same ranges: the same ClusterIP and NodePort.
  assert.is(svc2.spec.clusterIP, svc.spec.clusterIP);
  assert.is(svc2.spec.ports[0].nodePort, svc.spec.ports[0].nodePort);
  const ip: string = svc.spec.clusterIP;
  const nodePort: number = svc.spec.ports[0].nodePort;

  const described = await waitForValue('FailedToBindPort in describe', async () => {
    const d = await second.cli(['describe', 'svc', 'web']);
    return /FailedToBindPort/.test(d.stdout) && d.stdout.includes(`${nodePort}/TCP`) ? d.stdout : undefined;
  });
  assert.match(described, new RegExp(`${ip.replace(/\./g, '\\.')}:8080/TCP \\(clusterIP\\)[^\\n]*in use by another process`));
  const metrics = parsePrometheusText(await (await fetch(`${second.url}/metrics`)).text());
  assert.is(sampleValue(metrics, 'switchyard_listener_up', { listener: `${ip}:8080/TCP` }), 0);
  assert.ok(sampleValue(metrics, 'switchyard_listener_bind_failures', { listener: `${ip}:8080/TCP`, reason: 'FailedToBindPort' }) >= 1);
  assert.match(second.output(), /FailedToBindPort: cannot listen on [^\n]*in use by another process/);

  assert.equal(await greetingCounts(ip, 8080, 50), { owner: 50 });
  assert.equal(await greetingCounts(first.nodeAddress, nodePort, 50), { owner: 50 });

  await first.stop();
  // Retried with back-off: the second binds once the address is free.
  await waitForValue('the second server listening', async () => {
    const d = await second.cli(['describe', 'svc', 'web']);
    return (d.stdout.match(/ListenerBound/g) ?? []).length >= 2 ? true : undefined;
  }, 90_000);
  assert.equal(await greetingCounts(ip, 8080, 10), { intruder: 10 });
});

test('a second serve on the same state directory refuses to start and says why', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--state-dir', second.stateDir, '--admin', `127.0.0.1:${await freePort()}`,
    '--service-cidr', second.serviceCidr, '--node-address', second.nodeAddress, '--workers', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearTimeout(timer);
  assert.is(code, 1, err);
  assert.match(err, /SY_STORE_LOCKED|in use by another switchyard process/);
  assert.match(err, new RegExp(second.stateDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
});

test.run();
