// A Pod with a readinessProbe is not ready until a probe passes, from the first moment: neither
// the -f manifests applied at start nor a restart's stored Pods are ever published ready before
// the health loop has probed them. Read from the Endpoints' whole watch history, not a snapshot
// that could miss a moment. A Pod without a probe beside it is ready throughout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopback } from '../helpers/free-port.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const probedIp = randomLoopback();
const plainIp = randomLoopback();
const dir = mkdtempSync(join(tmpdir(), 'sy-start-ready-'));
let sy: SwitchyardProcess | undefined;

interface Address { ip: string }
interface EndpointsEvent { type: string; object: { metadata: { name: string; resourceVersion: string }; subsets?: { addresses?: Address[]; notReadyAddresses?: Address[] }[] } }

/** Every change to Endpoints `web` the server still remembers, oldest first. */
async function endpointsHistory(s: SwitchyardProcess): Promise<EndpointsEvent[]> {
  const res = await fetch(`${s.url}/api/v1/namespaces/default/endpoints?watch=1&resourceVersion=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dweb`);
  assert.is(res.status, 200);
  return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as EndpointsEvent).filter((e) => e.type !== 'BOOKMARK');
}

const ips = (e: EndpointsEvent, field: 'addresses' | 'notReadyAddresses') => (e.object.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip));

async function untilSettled(s: SwitchyardProcess): Promise<EndpointsEvent[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const history = await endpointsHistory(s);
    const last = history.at(-1);
    if (last && ips(last, 'addresses').includes(plainIp) && ips(last, 'notReadyAddresses').includes(probedIp)) return history;
    if (Date.now() > deadline) throw new Error(`Endpoints never settled: ${JSON.stringify(history)}\n${s.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function assertNeverReady(history: EndpointsEvent[], when: string) {
  for (const e of history) {
    assert.not.ok(ips(e, 'addresses').includes(probedIp), `${when}: the probed Pod was published ready at resourceVersion ${e.object.metadata.resourceVersion}`);
  }
}

test.after(async () => {
  if (sy) { await sy.stop(); removeDir(sy.stateDir); }
  rmSync(dir, { recursive: true, force: true });
});

test('a probed Pod is never published ready before a probe passed, at start and after a restart', async () => {
  // Nothing listens on the probed port: its probe can never pass.
  const closedPort = await freePort(probedIp);
  writeFileSync(join(dir, 'web.yaml'), `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 8080, targetPort: ${closedPort} }]
---
apiVersion: v1
kind: Pod
metadata: { name: web-probed, labels: { app: web } }
spec:
  containers:
  - name: c
    image: web
    readinessProbe: { tcpSocket: { port: ${closedPort} }, periodSeconds: 1 }
status: { podIP: ${probedIp}, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: v1
kind: Pod
metadata: { name: web-plain, labels: { app: web } }
spec:
  containers: [{ name: c, image: web }]
status: { podIP: ${plainIp} }
`);
  sy = await startSwitchyard(['--no-demo', '-f', dir]);
  assertNeverReady(await untilSettled(sy), 'at start');
  // Restarted: the stored Pods are published again (the start-up publication) before -f is re-read.
  assert.is(await sy.stop(), 0);
  const stateDir = sy.stateDir;
  sy = await sy.restart();
  assert.is(sy.stateDir, stateDir);
  const history = await untilSettled(sy);
  assertNeverReady(history, 'after the restart');
});

test.run();
