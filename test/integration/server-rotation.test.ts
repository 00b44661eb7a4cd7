// Round-robin through a real `switchyard serve` with 2 worker threads when some endpoints cannot
// take connections: one Pod not ready, one backend killed (connects refused until the health loop
// takes it out). The usable endpoints must share the connections evenly, wherever the unusable
// ones sit in the endpoint order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { greetingCounts, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
const backends: TcpBackend[] = [];

test.before(async () => {
  for (const n of ['a', 'b', 'c', 'd', 'e']) backends.push(await startTcpBackend(n));
  sy = await startSwitchyard(['--no-demo']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
});

function pod(b: TcpBackend, ready: boolean): string {
  return `---
apiVersion: v1
kind: Pod
metadata: { name: rot-${b.name}, labels: { app: rot } }
spec: { containers: [{ name: c, ports: [{ name: p, containerPort: ${b.port} }] }] }
status:
  podIP: 127.0.0.1
  conditions: [{ type: Ready, status: "${ready ? 'True' : 'False'}" }]
`;
}

test('one endpoint not ready and one killed: the other three share 400 connections within ±10 %', async () => {
  // b is not ready; d is killed before the first connection: its connects are refused, retried on
  // another endpoint, and it leaves the rotation once ejected.
  await backends[3].close();
  const manifest = `apiVersion: v1
kind: Service
metadata: { name: rot }
spec:
  selector: { app: rot }
  ports: [{ port: 7400, targetPort: p }]
${backends.map((b) => pod(b, b.name !== 'b')).join('')}`;
  const r = await sy.cli(['apply', '-f', '-'], manifest);
  assert.is(r.code, 0, r.stderr);
  const ip = JSON.parse((await sy.cli(['get', 'svc', 'rot', '-o', 'json'])).stdout).spec.clusterIP;
  const got = await greetingCounts(ip, 7400, 400);
  assert.equal(Object.keys(got).sort(), ['a', 'c', 'e'], JSON.stringify(got));
  for (const name of ['a', 'c', 'e']) {
    assert.ok(Math.abs(got[name] - 400 / 3) <= 400 / 3 * 0.1, `${name}: ${got[name]} of 400 (${JSON.stringify(got)})`);
  }
});

test.run();
