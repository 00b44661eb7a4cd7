// The bench load drivers against plain local servers, without switchyard: what they count
// (requests, connections, errors) must match what the servers saw.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { runTcpLoad, TCP_PAYLOAD } from '../../src/cli/bench/bench-tcp-load.ts';
import { runHttpLoad } from '../../src/cli/bench/bench-http-load.ts';
import { freePort } from '../helpers/free-port.ts';
import type { LoadSettings } from '../../src/cli/bench/bench-load-result.ts';

let echo: net.Server;
let echoPort = 0;
let echoAccepted = 0;
let echoBytes = 0;
const echoSockets = new Set<net.Socket>();

let web: http.Server;
let webPort = 0;
let webAccepted = 0;
let webRequests = 0;

test.before(async () => {
  echo = net.createServer((s) => {
    echoAccepted += 1;
    echoSockets.add(s);
    s.on('close', () => echoSockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => { echoBytes += d.length; s.write(d); });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  web = http.createServer((req, res) => {
    webRequests += 1;
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end('hello\n');
  });
  web.on('connection', () => { webAccepted += 1; });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as net.AddressInfo).port;
});

test.after(async () => {
  for (const s of echoSockets) s.destroy();
  await new Promise((r) => echo.close(r));
  web.closeAllConnections();
  await new Promise((r) => web.close(r));
});

const tcp = (over: Partial<LoadSettings>): LoadSettings => ({
  mode: 'tcp', host: '127.0.0.1', port: echoPort, connections: 3, durationSeconds: 1, path: '/', closeEachRequest: false, ...over,
});

test('tcp keep-alive: one connection each, every request answered, bytes and latency recorded', async () => {
  echoAccepted = 0;
  echoBytes = 0;
  const ticks: number[] = [];
  const r = await runTcpLoad(tcp({}), (_t, n) => ticks.push(n));
  assert.is(r.errors, 0);
  assert.is(r.connectionsOpened, 3);
  assert.is(echoAccepted, 3);
  assert.ok(r.requests > 0);
  assert.is(echoBytes, r.requests * TCP_PAYLOAD.length);
  assert.ok(r.bytesPerSecond > 0);
  assert.ok(r.latency.p50 > 0 && r.latency.p50 <= r.latency.p90 && r.latency.p90 <= r.latency.p99 && r.latency.p99 <= r.latency.p999);
  assert.ok(ticks.length > 0, 'progress was reported');
  assert.ok(ticks.every((n, i) => i === 0 || n >= ticks[i - 1]));
});

test('tcp --close: a new connection per request, counted on both sides', async () => {
  echoAccepted = 0;
  const r = await runTcpLoad(tcp({ closeEachRequest: true, connections: 2 }));
  assert.is(r.errors, 0);
  assert.ok(r.requests > 2);
  assert.is(r.connectionsOpened, r.requests);
  assert.is(echoAccepted, r.connectionsOpened);
});

test('tcp --rate bounds the requests sent', async () => {
  const r = await runTcpLoad(tcp({ rate: 40, connections: 2 }));
  assert.ok(r.requests > 0);
  assert.ok(r.requests <= 40 + 2, `${r.requests} requests at 40/s for 1 s`);
});

test('tcp against a closed port: errors, no requests, and it still ends', async () => {
  const r = await runTcpLoad(tcp({ port: await freePort(), durationSeconds: 0.3, connections: 2 }));
  assert.is(r.requests, 0);
  assert.is(r.connectionsOpened, 0);
  assert.ok(r.errors > 0);
});

test('http (autocannon): connections and requests match the server, non-2xx counted', async () => {
  webAccepted = 0;
  webRequests = 0;
  const r = await runHttpLoad({ mode: 'http', host: '127.0.0.1', port: webPort, connections: 4, durationSeconds: 1, path: '/', closeEachRequest: false });
  assert.is(r.errors, 0);
  assert.is(r.non2xx, 0);
  assert.is(r.connectionsOpened, 4);
  assert.is(webAccepted, 4);
  assert.ok(r.requests > 0 && r.requests <= webRequests);
  assert.ok(r.latency.p50 > 0 && r.latency.p99 >= r.latency.p50);
  assert.ok(r.bytesPerSecond > 0);
  const missing = await runHttpLoad({ mode: 'http', host: '127.0.0.1', port: webPort, connections: 1, durationSeconds: 0.5, path: '/missing', closeEachRequest: false });
  assert.ok(missing.requests > 0);
  assert.is(missing.non2xx, missing.requests);
});

test.run();
