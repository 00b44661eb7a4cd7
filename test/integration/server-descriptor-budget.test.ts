// The descriptor budget through a real `switchyard serve` run under `ulimit -n 2048` with 2 workers:
// a Service with 10,000 ports (20,000 listening sockets) is refused before anything is bound, with a
// 403 that says why, while a connection already proxied keeps flowing and new ones are served; a
// Service that fits is accepted. Connections take all the room the listeners leave, and no more. A NodePort Service the range cannot hold is a 422 naming the field,
// and leaves nothing allocated behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, roundTrip, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import { waitForValue } from '../helpers/wait-for.ts';
import type net from 'node:net';

const FD_LIMIT = 2048;
let sy: SwitchyardProcess;
let backend: TcpBackend;

function service(name: string, ports: number, extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
${extra}  ports:
${Array.from({ length: ports }, (_, i) => `  - { name: p${i}, port: ${10000 + i} }`).join('\n')}
`;
}

test.before(async () => {
  backend = await startTcpBackend('echo');
  sy = await startSwitchyard(['--no-demo', '--node-port-range', '30000-30004'], undefined, { fdLimit: FD_LIMIT });
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  await backend?.close();
});

test('a 10,000-port Service is refused with 403 before anything is bound; existing traffic flows on', async () => {
  const r = await sy.cli(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: echo }
spec: { ports: [{ port: 7600 }] }
---
apiVersion: v1
kind: Endpoints
metadata: { name: echo }
subsets: [{ addresses: [{ ip: 127.0.0.1 }], ports: [{ port: ${backend.port} }] }]
`);
  assert.is(r.code, 0, r.stderr);
  const ip = JSON.parse((await sy.cli(['get', 'svc', 'echo', '-o', 'json'])).stdout).spec.clusterIP;
  const held = await connectAndGreet(ip, 7600);
  assert.ok(await roundTrip(held.socket, 'before\n'));

  const big = await sy.cli(['apply', '-f', '-'], service('big', 10_000));
  assert.is(big.code, 1, big.stdout);
  assert.match(big.stderr, /Error from server \(Forbidden\)/);
  assert.match(big.stderr, /services "big" is forbidden: exceeds the listener budget: it needs 10000 listeners/);
  assert.match(big.stderr, new RegExp(`its open-file limit is ${FD_LIMIT} and each listener takes 2 descriptors`));
  const got = await sy.cli(['get', 'svc', 'big']);
  assert.match(got.stderr, /NotFound/, 'nothing was stored');

  // Traffic: the held connection and a new one, and the server answers health and metrics.
  assert.ok(await roundTrip(held.socket, 'after\n'), 'the proxied connection still flows');
  held.socket.destroy();
  const fresh = await connectAndGreet(ip, 7600);
  assert.ok(await roundTrip(fresh.socket, 'new\n'));
  fresh.socket.destroy();
  assert.is((await fetch(`${sy.url}/readyz`)).status, 200);
  // 2048 - 288 kept = 1760 shared: listeners at most half of it (2 workers: 440 of them); the one
  // listener needed holds 2, which leaves 1758 for UDP flows (one socket each) and connections
  // (two each), once the two above are closed.
  const m = await waitForValue('the closed connections released', async () => {
    const now = parsePrometheusText(await (await fetch(`${sy.url}/metrics`)).text());
    return sampleValue(now, 'switchyard_udp_flow_budget') === 1758 ? now : undefined;
  });
  assert.equal([sampleValue(m, 'switchyard_listener_budget'), sampleValue(m, 'switchyard_connection_budget')], [440, 879]);
  assert.is(sampleValue(m, 'switchyard_listeners_needed'), 1);
  assert.is(sampleValue(m, 'process_max_fds'), FD_LIMIT);
  assert.ok(sampleValue(m, 'process_open_fds') < FD_LIMIT);

  // What fits is accepted and served.
  const small = await sy.cli(['apply', '-f', '-'], service('small', 10));
  assert.is(small.code, 0, small.stderr);
});

test('connections take what the listeners leave of the room, past any fixed share; one more is refused', async () => {
  const ip = JSON.parse((await sy.cli(['get', 'svc', 'echo', '-o', 'json'])).stdout).spec.clusterIP;
  const metric = async (name: string) => sampleValue(parsePrometheusText(await (await fetch(`${sy.url}/metrics`)).text()), name);
  // 11 listeners needed now (echo and small's 10), 22 descriptors: (1760 - 22) / 2 connections.
  assert.is(await metric('switchyard_listeners_needed'), 11);
  const room = await metric('switchyard_connection_budget');
  assert.is(room, 869);
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < room; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, room - i) }, () => connectAndGreet(ip, 7600)));
      held.push(...batch.map((c) => c.socket));
    }
    assert.is(held.length, room, 'every connection the room holds is served (a fixed third of it used to be the cap)');
    const extra = await connectAndGreet(ip, 7600, 3000).then((c) => { held.push(c.socket); return 'served'; }, () => 'refused');
    assert.is(extra, 'refused', 'one more than the room holds');
    assert.is(await metric('switchyard_udp_flow_budget'), 0, 'and no descriptor is left for a UDP flow');
    assert.ok(await roundTrip(held[0], 'still\n'), 'the held connections flow on');
    assert.is((await fetch(`${sy.url}/readyz`)).status, 200, 'the process is not out of descriptors: the reserve holds');
  } finally {
    for (const s of held) s.destroy();
  }
  await waitForValue('the room back', async () => ((await metric('switchyard_udp_flow_budget')) === 1738 ? true : undefined));
});

test('a NodePort Service the range cannot hold is a 422 naming the field; nothing is left allocated', async () => {
  const six = await sy.cli(['apply', '-f', '-'], service('np6', 6, '  type: NodePort\n'));
  assert.is(six.code, 1);
  assert.match(six.stderr, /The Service "np6" is invalid: spec\.ports\[5\]\.nodePort: Forbidden: failed to allocate a node port: the range 30000-30004 is full \(5 of 5 ports free, this Service needs 6\)/);
  const five = await sy.cli(['apply', '-f', '-'], service('np5', 5, '  type: NodePort\n'));
  assert.is(five.code, 0, five.stderr);
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'np5', '-o', 'json'])).stdout);
  assert.equal(svc.spec.ports.map((p: { nodePort: number }) => p.nodePort), [30000, 30001, 30002, 30003, 30004]);
});

test.run();
