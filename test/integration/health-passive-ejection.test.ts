// Passive ejection through the real server (a child process): traffic through a Service whose
// second endpoint refuses connections. The data plane retries every failed connect on the ready
// endpoint, so clients see no failure; after --eject-after consecutive failures the refusing
// endpoint is ejected (no active probe here: --no-default-probe), which is an event on the Service
// and on its Pod and a line in the server log, and from then on it is not even tried.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopback } from '../helpers/free-port.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
let good: TcpBackend;
const badIp = randomLoopback();
let badPort = 0;
const logDir = mkdtempSync(join(tmpdir(), 'sy-eject-'));
const accessLog = join(logDir, 'access.log');

function pod(name: string, ip: string, port: number): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: flaky } }
spec: { containers: [{ name: app, image: app, ports: [{ name: tcp, containerPort: ${port} }] }] }
status: { podIP: ${ip} }
`;
}

interface Entry { endpoint: string | null; attempts: number; end: string; time: string }
function entries(): Entry[] {
  let text = '';
  try { text = readFileSync(accessLog, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);
}

test.before(async () => {
  good = await startTcpBackend('good', '127.0.0.1');
  badPort = await freePort(badIp); // nothing listens there: every connect is refused
  sy = await startSwitchyard(['--no-demo', '--no-default-probe', '--eject-after', '3', '--access-log', accessLog]);
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: flaky }
spec: { selector: { app: flaky }, ports: [{ port: 7100, targetPort: tcp }] }
---
${pod('flaky-good', '127.0.0.1', good.port)}---
${pod('flaky-bad', badIp, badPort)}`);
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await good?.close();
  rmSync(logDir, { recursive: true, force: true });
});

test('connections under load never fail; the refusing endpoint is ejected and shown as an event', async () => {
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'flaky', '-o', 'json'])).stdout);
  const ep = (await sy.cli(['get', 'endpoints', 'flaky'])).stdout;
  assert.ok(ep.includes(`${badIp}:${badPort}`), `both endpoints are ready before any traffic:\n${ep}`);
  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const loop = async () => {
    // Bounded: stops after enough connections once the ejection was seen, or at the cap.
    for (let i = 0; i < 2500 && !stop; i++) {
      try {
        const { socket, name } = await connectAndGreet(svc.spec.clusterIP, 7100, 5000);
        socket.destroy();
        if (name === 'good') ok++;
        else failures.push(`unexpected greeting ${name}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  let done = false;
  const loops = Promise.all([loop(), loop(), loop(), loop()]).then(() => { done = true; });
  const deadline = Date.now() + 30_000;
  while (!sy.output().includes(`endpoint ${badIp}:${badPort} ejected`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const ejectedAt = Date.now();
  // Keep the load going a while after the ejection, then stop all loops.
  while (Date.now() - ejectedAt < 2500 && !done) await new Promise((r) => setTimeout(r, 100));
  stop = true;
  await loops;

  assert.equal(failures, [], 'no client-visible failure');
  assert.ok(ok > 20, `load ran (${ok} connections)`);
  assert.match(sy.output(), new RegExp(`WARN +health: endpoint ${badIp.replace(/\./g, '\\.')}:${badPort} ejected for \\d+s after \\d+ consecutive connect failures`));
  const describedSvc = (await sy.cli(['describe', 'svc', 'flaky'])).stdout;
  assert.match(describedSvc, new RegExp(`Warning\\s+Ejected\\s+.*endpoint ${badIp.replace(/\./g, '\\.')}:${badPort} ejected`));
  const describedPod = (await sy.cli(['describe', 'pod', 'flaky-bad'])).stdout;
  assert.match(describedPod, /Warning\s+Ejected\s+/);

  // The retries were real: some connections needed a second attempt, and all ended on the good one.
  let log: Entry[] = [];
  const wait = Date.now() + 10_000;
  while ((log = entries()).length < ok && Date.now() < wait) await new Promise((r) => setTimeout(r, 100));
  assert.ok(log.some((e) => e.attempts > 1), 'some connects to the refusing endpoint were retried');
  assert.ok(log.every((e) => e.endpoint === `127.0.0.1:${good.port}`), 'every connection ended on the ready endpoint');
  // After the ejection (plus one counter-reading interval for the flag to land), one attempt each.
  const settled = log.filter((e) => Date.parse(e.time) > ejectedAt + 1000);
  assert.ok(settled.length > 0 && settled.every((e) => e.attempts === 1), `the ejected endpoint is not tried any more (${settled.length} connections after, ${settled.filter((e) => e.attempts > 1).length} retried)`);
});

test.run();
