// Fast failure detection through a real `switchyard serve`: a backend without a readinessProbe that
// starts refusing connections (its process killed) must leave `get endpoints` within 5 s of the
// first connection the data plane failed to make to it, although its implicit probe runs only every
// 10 s with failureThreshold 3 (up to 30 s on its own): a passive failure sets off an immediate probe
// and faster ones until the endpoint's state settles. Then it comes back on its own once it listens
// again (at the implicit probe's normal period).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';

let sy: SwitchyardProcess;
let a: TcpBackend;
let b: TcpBackend;

test.before(async () => {
  a = await startTcpBackend('a');
  b = await startTcpBackend('b');
  sy = await startSwitchyard(['--no-demo']);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await a?.close();
  await b?.close();
});

async function endpointPorts(): Promise<number[]> {
  const r = await sy.cli(['get', 'endpoints', 'fast', '-o', 'json']);
  const ep = JSON.parse(r.stdout);
  return (ep.subsets ?? []).flatMap((s: { addresses?: unknown[]; ports?: { port: number }[] }) => (s.addresses?.length ? (s.ports ?? []).map((p) => p.port) : []));
}

test('a backend refusing connections leaves get endpoints within 5 s of the first refused connect', async () => {
  const pods = [a, b].map((x) => `---
apiVersion: v1
kind: Pod
metadata: { name: fast-${x.name}, labels: { app: fast } }
spec: { containers: [{ name: c, ports: [{ name: p, containerPort: ${x.port} }] }] }
status: { podIP: 127.0.0.1 }
`).join('');
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: fast }
spec: { selector: { app: fast }, ports: [{ port: 7500, targetPort: p }] }
${pods}`);
  assert.is(r.code, 0, r.stderr);
  const ip = JSON.parse((await sy.cli(['get', 'svc', 'fast', '-o', 'json'])).stdout).spec.clusterIP;
  assert.equal((await endpointPorts()).sort(), [a.port, b.port].sort());
  // Let the first implicit probes pass (they are spread over the first second of a new target).
  await new Promise((res) => setTimeout(res, 1500));
  const bPort = b.port;
  await b.close();
  // Two connections: round-robin sends one of them to b; it is refused and retried on a.
  const firstRefused = Date.now();
  for (let i = 0; i < 2; i++) {
    const c = await connectAndGreet(ip, 7500);
    assert.is(c.name, 'a');
    c.socket.destroy();
  }
  const deadline = firstRefused + 5000;
  let ports = await endpointPorts();
  while (ports.includes(bPort) && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 100));
    ports = await endpointPorts();
  }
  assert.equal(ports, [a.port], `b (${bPort}) still in the endpoints ${Date.now() - firstRefused} ms after the first refused connect`);
  const described = await sy.cli(['describe', 'pod', 'fast-b']);
  assert.match(described.stdout, /Unhealthy|not ready|NotReady|connection refused|ECONNREFUSED/i);
});

test.run();
