// `switchyard top --once` against a real `switchyard serve`: one frame listing the Service, its
// listeners, its endpoints with health and the connections the test made.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
let a: TcpBackend;

test.before(async () => {
  a = await startTcpBackend('alpha');
  sy = await startSwitchyard(['--no-demo']);
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: { name: web-1, labels: { app: web } }
spec: { containers: [{ name: c, ports: [{ name: http, containerPort: ${a.port} }] }] }
status: { podIP: 127.0.0.1 }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ name: http, port: 8080, targetPort: http }] }
`);
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await a?.close();
});

test('top --once prints one frame with the Service, listeners, endpoints and traffic', async () => {
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);
  const ip = svc.spec.clusterIP as string;
  for (let i = 0; i < 3; i++) {
    const c = await connectAndGreet(ip, 8080);
    assert.is(c.name, 'alpha');
    await new Promise((r) => { c.socket.once('close', r); c.socket.end(); });
  }
  let out = '';
  for (let i = 0; i < 50; i++) {
    const r = await sy.cli(['top', '--once']);
    assert.is(r.code, 0, r.stderr);
    out = r.stdout;
    if (/ready +0 +3 /.test(out)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.not.ok(out.includes('\x1b['), '--once prints no screen control codes');
  // One frame is one sample: the CPU needs two, the memory is there.
  assert.match(out, /^switchyard top — \S+ — 1 Services, 2 workers, CPU -, memory \d+\.\dMiB\n/);
  assert.match(out, new RegExp(`SERVICE default/web  ClusterIP  ${ip.replace(/\./g, '\\.')}`));
  assert.match(out, new RegExp(`listen ${ip.replace(/\./g, '\\.')}:8080/TCP \\(clusterIP\\) bound`));
  assert.match(out, /PORT http\/TCP  active 0  total 3  in 0B \(-\)  out 18B \(-\)  errors 0  retries 0  refused 0/);
  assert.match(out, new RegExp(`127\\.0\\.0\\.1:${a.port} +default/web-1 +ready +0 +3 +0 +0B +18B +- +-`));
  assert.match(out, /WORKER +ACTIVE +TOTAL +FLOWS +FLOWS-TOTAL +LOOP-P50 +LOOP-P99 +RESTARTS\n0 +0 /);
});

test('top rejects a bad interval and unknown arguments with usage errors', async () => {
  const r = await sy.cli(['top', '--interval', 'x']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--interval "x" must be a number of seconds/);
  const r2 = await sy.cli(['top', 'extra', '--once']);
  assert.is(r2.code, 1);
  assert.match(r2.stderr, /unexpected argument: extra/);
});

test.run();
