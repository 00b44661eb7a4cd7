// The descriptor budget through a real `switchyard serve` run under `ulimit -n 2048` with 2 workers:
// a Service with 10,000 ports (20,000 listening sockets) is refused before anything is bound, with a
// 403 that says why, while a connection already proxied keeps flowing and new ones are served; a
// Service that fits is accepted. A NodePort Service the range cannot hold is a 422 naming the field,
// and leaves nothing allocated behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, roundTrip, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

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
  const m = parsePrometheusText(await (await fetch(`${sy.url}/metrics`)).text());
  // 2048 - 288 kept = 1760: a quarter for listeners (2 workers: 220 of them), then of the 1320 left a
  // third for UDP flows (one socket each) and the rest for connections (two each).
  assert.equal([sampleValue(m, 'switchyard_listener_budget'), sampleValue(m, 'switchyard_udp_flow_budget'), sampleValue(m, 'switchyard_connection_budget')],
    [220, 440, 440]);
  assert.is(sampleValue(m, 'switchyard_listeners_needed'), 1);
  assert.is(sampleValue(m, 'process_max_fds'), FD_LIMIT);
  assert.ok(sampleValue(m, 'process_open_fds') < FD_LIMIT);

  // What fits is accepted and served.
  const small = await sy.cli(['apply', '-f', '-'], service('small', 10));
  assert.is(small.code, 0, small.stderr);
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
