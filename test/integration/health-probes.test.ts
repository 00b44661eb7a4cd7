// The probe runners against real listeners and processes on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { freePort } from '../helpers/free-port.ts';
import { closeHttpProbeAgents, probeHttp } from '../../src/health/probe-http.ts';
import { probeExec } from '../../src/health/probe-exec.ts';
import { probeTcp } from '../../src/health/probe-tcp.ts';

const seenHeaders: http.IncomingHttpHeaders[] = [];
const stalled = new Set<http.ServerResponse>();
const server = http.createServer((req, res) => {
  seenHeaders.push(req.headers);
  if (req.url === '/ok') { res.end('fine'); return; }
  if (req.url === '/redirect') { res.writeHead(302, { location: '/elsewhere' }).end(); return; }
  if (req.url === '/bad') { res.writeHead(500).end('broken'); return; }
  if (req.url === '/hang') { stalled.add(res); return; }
  res.writeHead(404).end();
});
let port = 0;

test.before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

test.after(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await closeHttpProbeAgents();
});

const spec = (path: string, timeoutMs = 2000, headers: { name: string; value: string }[] = []) =>
  ({ scheme: 'HTTP' as const, host: '127.0.0.1', port, path, headers, timeoutMs });

test('tcpSocket: a listener is success; a closed port fails with the kubelet message', async () => {
  assert.equal(await probeTcp('127.0.0.1', port, 1000), { ok: true, message: '' });
  const closed = await freePort();
  assert.equal(await probeTcp('127.0.0.1', closed, 1000), {
    ok: false, message: `Readiness probe failed: dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  });
});

test('httpGet: 200 and 3xx succeed, 500 fails with its status code', async () => {
  assert.equal(await probeHttp(spec('/ok')), { ok: true, message: 'fine' });
  assert.is((await probeHttp(spec('/redirect'))).ok, true);
  assert.equal(await probeHttp(spec('/bad')), { ok: false, message: 'Readiness probe failed: HTTP probe failed with statuscode: 500' });
  assert.equal(await probeHttp(spec('/missing')), { ok: false, message: 'Readiness probe failed: HTTP probe failed with statuscode: 404' });
});

test('httpGet: probe headers are sent (Host included), with kubelet defaults otherwise', async () => {
  seenHeaders.length = 0;
  await probeHttp(spec('/ok', 2000, [{ name: 'Host', value: 'app.example' }, { name: 'X-Probe', value: 'yes' }]));
  assert.is(seenHeaders[0].host, 'app.example');
  assert.is(seenHeaders[0]['x-probe'], 'yes');
  assert.ok(String(seenHeaders[0]['user-agent']).startsWith('kube-probe/'));
  assert.is(seenHeaders[0].connection, 'close', 'no keep-alive, like kubelet');
});

test('httpGet: a server that never answers fails at timeoutSeconds; a closed port is refused', async () => {
  const hung = await probeHttp(spec('/hang', 300));
  assert.is(hung.ok, false);
  assert.match(hung.message, /^Readiness probe failed: Get "http:\/\/127\.0\.0\.1:\d+\/hang": context deadline exceeded/);
  const closed = await freePort();
  assert.equal(await probeHttp({ ...spec('/'), port: closed }), {
    ok: false, message: `Readiness probe failed: Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  });
});

test('exec: exit 0 is success, anything else fails with its output; a timeout kills it', async () => {
  assert.is((await probeExec(['true'], 2000)).ok, true);
  assert.equal(await probeExec(['/bin/sh', '-c', 'exit 1'], 2000), { ok: false, message: 'Readiness probe failed: command "/bin/sh -c exit 1" exited with code 1' });
  assert.equal(await probeExec(['/bin/sh', '-c', 'echo not yet; exit 3'], 2000), { ok: false, message: 'Readiness probe failed: not yet' });
  assert.equal(await probeExec(['/bin/sh', '-c', 'sleep 30'], 200), { ok: false, message: 'Readiness probe failed: command "/bin/sh -c sleep 30" timed out' });
  assert.equal(await probeExec(['/nonexistent/probe'], 1000), {
    ok: false, message: 'Readiness probe errored: exec: "/nonexistent/probe": executable file not found in $PATH',
  });
});

test.run();
