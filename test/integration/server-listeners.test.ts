// Listeners for every Service type through a real `switchyard serve`: LoadBalancer address from
// --lb-pool shown as EXTERNAL-IP, source ranges on the LB address only, externalIPs, a listener
// that cannot bind reported as an event while the rest keeps working, multi-port Services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { randomLoopback } from '../helpers/free-port.ts';
import { waitForValue } from '../helpers/wait-for.ts';

let sy: SwitchyardProcess;
let a: TcpBackend;
let b: TcpBackend;
const lbNet = `127.${112 + Math.floor(Math.random() * 16)}.${Math.floor(Math.random() * 256)}`;
let blocker: net.Server;
const blockedIp = randomLoopback();

const pods = () => `apiVersion: v1
kind: Pod
metadata: { name: pa, labels: { app: t } }
spec: { containers: [{ name: c, ports: [{ name: one, containerPort: ${a.port} }, { name: two, containerPort: ${b.port} }] }] }
status: { podIP: 127.0.0.1 }
`;

async function getJson(args: string[]): Promise<any> {
  const r = await sy.cli([...args, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}


function outcome(host: string, port: number): Promise<string> {
  return connectAndGreet(host, port, 2000).then((c) => { c.socket.destroy(); return c.name; }, (e) => e.code ?? e.message);
}

test.before(async () => {
  a = await startTcpBackend('one');
  b = await startTcpBackend('two');
  blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(7100, blockedIp, () => r()));
  sy = await startSwitchyard(['--no-demo', '--lb-pool', `${lbNet}.0/24`]);
  const r = await sy.cli(['apply', '-f', '-'], pods());
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await a.close();
  await b.close();
  blocker.close();
});

test('LoadBalancer: EXTERNAL-IP from the pool once bound; traffic on LB IP, NodePort and ClusterIP', async () => {
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: lb }
spec:
  type: LoadBalancer
  selector: { app: t }
  ports: [{ name: one, port: 7001, targetPort: one }, { name: two, port: 7002, targetPort: two }]
`);
  assert.is(r.code, 0, r.stderr);
  const svc = await waitForValue('ingress', async () => {
    const s = await getJson(['get', 'svc', 'lb']);
    return s.status?.loadBalancer?.ingress?.length ? s : undefined;
  });
  const ip = svc.status.loadBalancer.ingress[0].ip;
  assert.ok(ip.startsWith(`${lbNet}.`), ip);
  const table = await sy.cli(['get', 'svc', 'lb']);
  assert.match(table.stdout, new RegExp(`lb\\s+LoadBalancer\\s+\\S+\\s+${ip.replace(/\./g, '\\.')}\\s+7001:\\d+/TCP,7002:\\d+/TCP`));
  assert.is(await outcome(ip, 7001), 'one');
  assert.is(await outcome(ip, 7002), 'two', 'multi-port: each port its own target');
  assert.is(await outcome(svc.spec.clusterIP, 7002), 'two');
  assert.is(await outcome(sy.nodeAddress, svc.spec.ports[0].nodePort), 'one');
});

test('loadBalancerSourceRanges drop other sources on the LB address only', async () => {
  await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: lb }
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [10.0.0.0/8]
  selector: { app: t }
  ports: [{ name: one, port: 7001, targetPort: one }, { name: two, port: 7002, targetPort: two }]
`);
  const svc = await getJson(['get', 'svc', 'lb']);
  const ip = svc.status.loadBalancer.ingress[0].ip;
  const dropped = await waitForValue('source range applied', async () => {
    const o = await outcome(ip, 7001);
    return o === 'one' ? undefined : o;
  });
  assert.ok(dropped !== 'one', `dropped: ${dropped}`);
  assert.is(await outcome(sy.nodeAddress, svc.spec.ports[0].nodePort), 'one', 'NodePort is not subject to source ranges');
  assert.is(await outcome(svc.spec.clusterIP, 7001), 'one');
});

test('a listener that cannot bind is an event on the Service; the rest keeps working', async () => {
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: ext }
spec:
  selector: { app: t }
  externalIPs: [${blockedIp}]
  ports: [{ port: 7100, targetPort: one }]
`);
  assert.is(r.code, 0, r.stderr);
  const described = await waitForValue('event', async () => {
    const d = await sy.cli(['describe', 'svc', 'ext']);
    return /FailedToBindPort/.test(d.stdout) ? d.stdout : undefined;
  });
  assert.match(described, /Warning\s+FailedToBindPort\s+.*EADDRINUSE.*in use by another process/);
  const svc = await getJson(['get', 'svc', 'ext']);
  assert.is(await outcome(svc.spec.clusterIP, 7100), 'one');
});

test.run();
