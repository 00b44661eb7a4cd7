// DNS through switchyard as a user runs it: two Debian dnsmasq servers on loopback (port 53, one
// answering 10.0.0.1, the other 10.0.0.2) behind a Service `dns` with 53/UDP and 53/TCP, queried
// with dig over UDP and TCP through the ClusterIP and the NodePort (the same number for both
// protocols); then scale-down: a client that keeps its source port (one flow) is moved at once to
// the remaining server, where kube-proxy users fight a stale conntrack entry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { dnsmasqBinary, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { randomLoopback } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const haveTools = !!dnsmasqBinary() && !!(await run('dig', ['-v']).then(() => true, () => false));
let sy: SwitchyardProcess;
const servers: Dnsmasq[] = [];
const accessLog = join(tmpdir(), `switchyard-udp-dns-${process.pid}.log`);
let clusterIP = '';
let nodePort = 0;

function pod(d: Dnsmasq, n: number): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: dns-${n}, labels: { app: dns } }
spec: { containers: [{ name: dnsmasq, image: dnsmasq, ports: [{ name: dns, containerPort: 53, protocol: UDP }, { name: dns-tcp, containerPort: 53, protocol: TCP }] }] }
status: { podIP: ${d.ip} }
`;
}

const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: dns, annotations: { switchyard.io/udp-idle-timeout: 30s } }
spec:
  type: NodePort
  selector: { app: dns }
  ports:
    - { name: dns, port: 53, protocol: UDP, targetPort: dns }
    - { name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp }
`;

async function dig(server: string, port: number, ...flags: string[]): Promise<string> {
  const { stdout } = await run('dig', [`@${server}`, '-p', String(port), 'www.svc.test', 'A', '+short', '+tries=1', '+time=3', ...flags]);
  return stdout.trim();
}


test.before(async () => {
  if (!haveTools) return;
  const base = randomLoopback().split('.').slice(0, 3).join('.');
  servers.push(await startDnsmasq(`${base}.11`, 53, 'svc.test', '10.0.0.1'));
  servers.push(await startDnsmasq(`${base}.12`, 53, 'svc.test', '10.0.0.2'));
  sy = await startSwitchyard(['--no-demo', '--access-log', accessLog]);
  const applied = await sy.cli(['apply', '-f', '-'], `${SERVICE}---\n${pod(servers[0], 1)}---\n${pod(servers[1], 2)}`);
  assert.is(applied.code, 0, applied.stderr);
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'dns', '-o', 'json'])).stdout);
  clusterIP = svc.spec.clusterIP;
  nodePort = svc.spec.ports[0].nodePort;
  assert.is(svc.spec.ports[1].nodePort, nodePort, 'TCP and UDP of port 53 share the NodePort number');
  await waitFor('both servers are endpoints', async () => (await sy.cli(['get', 'ep', 'dns'])).stdout.includes(','));
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const d of servers) await d.stop();
  rmSync(accessLog, { force: true });
});

test('dnsmasq and dig are installed (the CI script installs dnsmasq-base and dnsutils)', () => {
  assert.ok(haveTools, 'apt-get install dnsmasq-base dnsutils');
});

test('get svc shows 53/UDP and 53/TCP on one NodePort', async () => {
  if (!haveTools) return;
  const out = (await sy.cli(['get', 'svc', 'dns'])).stdout;
  assert.match(out, new RegExp(`53:${nodePort}/UDP,53:${nodePort}/TCP`));
});

test('dig over UDP and TCP through the ClusterIP and the NodePort: every query answered, round-robin over both servers', async () => {
  if (!haveTools) return;
  for (const [server, port] of [[clusterIP, 53], [sy.nodeAddress, nodePort]] as const) {
    for (const flags of [[], ['+tcp']]) {
      // dig takes a new source port per query: each query is a new flow (or connection), picked in turn.
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) answers.push(await dig(server, port, ...flags));
      const ones = answers.filter((a) => a === '10.0.0.1').length;
      const twos = answers.filter((a) => a === '10.0.0.2').length;
      assert.equal([ones, twos], [3, 3], `${server}:${port} ${flags.join(' ') || 'UDP'}: ${answers.join(' ')}`);
    }
  }
});

test('describe and /metrics show the UDP port\'s flows', async () => {
  if (!haveTools) return;
  const text = (await sy.cli(['describe', 'svc', 'dns'])).stdout;
  assert.match(text, /Port: +dns +53\/UDP\n/);
  assert.match(text, /Flows: +\d+ live, \d+ created, \d+ datagrams in, \d+ out, 0 dropped\n/);
  await waitFor('the datagrams counted', async () => {
    const metrics = await (await fetch(`${sy.url}/metrics`)).text();
    const created = /switchyard_udp_flows_total\{service="default\/dns",port="dns\/UDP"\} (\d+)/.exec(metrics);
    const datagrams = /switchyard_udp_datagrams_sent_total\{service="default\/dns",port="dns\/UDP"\} (\d+)/.exec(metrics);
    return Number(created?.[1]) >= 12 && Number(datagrams?.[1]) >= 12;
  });
});

test('scale-down: the deleted server\'s flows move at once, a client keeping its port is answered by the other server', async () => {
  if (!haveTools) return;
  // One client socket, one source port, one flow for the whole test.
  const client = createSocket('udp4');
  client.bind(0, '127.0.0.1');
  await once(client, 'listening');
  const ask = async (id: number): Promise<string> => {
    const { dnsQuery } = await import('../helpers/dnsmasq.ts');
    const reply = once(client, 'message');
    client.send(dnsQuery('www.svc.test', id), 53, clusterIP);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 3000));
    const [msg] = await Promise.race([reply, timeout]) as [Buffer];
    return msg.subarray(msg.length - 4).join('.');
  };
  try {
    const first = await ask(1);
    assert.ok(first === '10.0.0.1' || first === '10.0.0.2', first);
    assert.is(await ask(2), first, 'the flow sticks');
    const gone = first === '10.0.0.1' ? 1 : 2;
    const del = await sy.cli(['delete', 'pod', `dns-${gone}`]);
    assert.is(del.code, 0, del.stderr);
    const other = gone === 1 ? '10.0.0.2' : '10.0.0.1';
    await waitFor('the endpoint is gone', async () => !(await sy.cli(['get', 'ep', 'dns'])).stdout.includes(servers[gone - 1].ip));
    // The flow was ended when the endpoint left; this datagram opens a new one to the other server.
    assert.is(await ask(3), other);
    for (let i = 0; i < 4; i++) assert.is(await dig(clusterIP, 53), other);
    for (let i = 0; i < 2; i++) assert.is(await dig(clusterIP, 53, '+tcp'), other);
    await waitFor('the access log line of the moved flow', async () =>
      readFileSync(accessLog, 'utf8').split('\n').some((l) => l.includes('"end":"endpoint-removed"') && l.includes(`127.0.0.1:${client.address().port}`)));
  } finally {
    client.close();
  }
});

test.run();
