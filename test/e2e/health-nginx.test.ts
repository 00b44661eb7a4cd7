// Health checks with real traffic: three Debian nginx backends behind a Service, continuous load
// (a new connection per request, four concurrent loops) through the ClusterIP, and one nginx taken
// away and brought back. Three scenarios on one switchyard (`--default-probe-period 1`):
//   • Pods with an httpGet readinessProbe (periodSeconds 1, failureThreshold 2): nginx exits
//     (SIGQUIT) and starts again on the same address:port;
//   • Pods without a readinessProbe (the implicit TCP-connect probe, period 1 s): the same;
//   • Pods with the httpGet probe, nginx frozen with SIGSTOP, then SIGCONT.
// What a user should expect, and what is asserted:
//   • a backend that exits refuses connections: every such connect is retried on another endpoint
//     before the client sees anything, passive ejection stops trying it after a few failures, and
//     the probe takes it out of the endpoint list; no request fails — except a connection the
//     kernel had already queued in nginx's listen backlog when nginx closed its listener: the
//     kernel resets it after switchyard has connected and forwarded the request, and no L4 proxy
//     can retry that safely (HAProxy and nginx stream retry failed connects only). Such a reset is
//     allowed only while the victim is stopping, one per load loop at most;
//   • a frozen (SIGSTOPped) backend still completes TCP handshakes (the kernel accepts into the
//     listen backlog), so connects to it succeed and neither retries nor passive ejection can help:
//     requests sent to it hang until the httpGet probe takes it out, which takes up to
//     periodSeconds × failureThreshold + timeoutSeconds (3 s here). Those requests are counted
//     separately (client timeout); none fails otherwise. A TCP probe would not notice at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, request } from 'undici';
import { randomLoopback } from '../helpers/free-port.ts';
import { nginxPath, startNginx, type NginxBackend } from '../helpers/nginx-backend.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const haveNginx = !!nginxPath();
let sy: SwitchyardProcess;
const backends: NginxBackend[] = [];
/** Generous bound for probe-driven changes seen through the CLI on a loaded 2-core machine. */
const CHANGE_BOUND_MS = 20_000;

const HTTP_PROBE = '{ httpGet: { port: http, path: / }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 }';

function manifests(app: string, port: number, probe: boolean): string {
  let out = `apiVersion: v1
kind: Service
metadata: { name: ${app} }
spec: { selector: { app: ${app} }, ports: [{ port: ${port}, targetPort: http }] }
`;
  backends.forEach((b, i) => {
    out += `---
apiVersion: v1
kind: Pod
metadata: { name: ${app}-${i + 1}, labels: { app: ${app} } }
spec:
  containers:
  - name: nginx
    image: nginx
    ports: [{ name: http, containerPort: ${b.port} }]
${probe ? `    readinessProbe: ${HTTP_PROBE}\n` : ''}status: { podIP: ${b.ip} }
`;
  });
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = CHANGE_BOUND_MS): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${sy.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return Date.now() - start;
}

/** `ip:port` of the ready addresses in `get endpoints NAME -o json`. */
async function readyEndpoints(name: string): Promise<string[]> {
  const r = await sy.cli(['get', 'endpoints', name, '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const ep = JSON.parse(r.stdout);
  const out: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? []) out.push(`${a.ip}:${p.port}`);
  return out.sort();
}

interface LoadStats { ok: number; failures: string[]; timedOut: number; byBackend: Map<string, number>; failedAt: number[] }

/** Four loops of requests, each on a new connection, until stop(); bounded by `max` requests per loop. */
function startLoad(url: string, max = 60_000): { stats: LoadStats; stop(): Promise<LoadStats> } {
  const agent = new Agent({ keepAliveTimeout: 1, pipelining: 0, connections: 8 });
  const stats: LoadStats = { ok: 0, failures: [], timedOut: 0, byBackend: new Map(), failedAt: [] };
  let stopped = false;
  const loop = async () => {
    for (let i = 0; i < max && !stopped; i++) {
      try {
        const r = await request(url, { dispatcher: agent, reset: true, headersTimeout: 2000, bodyTimeout: 2000 });
        const body = (await r.body.text()).trim();
        if (r.statusCode !== 200) { stats.failures.push(`status ${r.statusCode}`); stats.failedAt.push(Date.now()); continue; }
        stats.ok++;
        stats.byBackend.set(body, (stats.byBackend.get(body) ?? 0) + 1);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') stats.timedOut++;
        else { stats.failures.push(`${code ?? ''} ${(err as Error).message}`); stats.failedAt.push(Date.now()); }
      }
    }
  };
  const loops = [loop(), loop(), loop(), loop()];
  return {
    stats,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await agent.close();
      return stats;
    },
  };
}

const served = (stats: LoadStats, b: NginxBackend) => stats.byBackend.get(`backend ${b.name}`) ?? 0;

test.before(async () => {
  if (!haveNginx) return;
  const base = randomLoopback().split('.').slice(0, 3).join('.');
  for (let i = 1; i <= 3; i++) backends.push(await startNginx(`web-${i}`, `${base}.${i + 20}`));
  sy = await startSwitchyard(['--no-demo', '--default-probe-period', '1']);
  const r = await sy.cli(['apply', '-f', '-'], manifests('web-http', 8080, true) + '---\n' + manifests('web-tcp', 8081, false));
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.stop();
});

test('nginx is installed (the CI script installs it)', () => {
  assert.ok(haveNginx, 'apt-get install nginx-light');
});

async function stopAndRestart(service: string, port: number, victim: number, unhealthy: RegExp): Promise<void> {
  const all = backends.map((b) => `${b.ip}:${b.port}`).sort();
  await waitFor(`${service} has three ready endpoints`, async () => (await readyEndpoints(service)).length === 3);
  const clusterIP = JSON.parse((await sy.cli(['get', 'svc', service, '-o', 'json'])).stdout).spec.clusterIP;
  const load = startLoad(`http://${clusterIP}:${port}/`);
  const b = backends[victim];
  await waitFor('load reaches every backend', async () => backends.every((x) => served(load.stats, x) > 5));

  const stopping = Date.now();
  await b.stop(); // SIGQUIT: nginx finishes what it has, closes its listener and exits
  const stopped = Date.now();
  await waitFor(`${service} drops ${b.name}`, async () => (await readyEndpoints(service)).join() === all.filter((a) => a !== `${b.ip}:${b.port}`).join());
  const pod = `${service}-${victim + 1}`;
  await waitFor(`Unhealthy event on ${pod}`, async () => unhealthy.test((await sy.cli(['describe', 'pod', pod])).stdout));
  assert.match((await sy.cli(['get', 'pods', pod])).stdout, new RegExp(`${pod}\\s+0/1\\s+Running`));

  backends[victim] = await startNginx(b.name, b.ip, b.port);
  await waitFor(`${service} brings ${b.name} back`, async () => (await readyEndpoints(service)).join() === all.join());
  const before = served(load.stats, b);
  await waitFor(`${b.name} serves again`, async () => served(load.stats, b) > before + 5);
  const stats = await load.stop();
  if (stats.failures.length > 0) {
    // What switchyard counted for the Service (refusals by cause, connect errors, retries) and said.
    const metrics = (await (await fetch(`${sy.url}/metrics`)).text()).split('\n')
      .filter((l) => l.includes(`service="default/${service}"`) && /refusals|connect_errors|retries|upstream_resets|reset/.test(l) && !/ 0$/.test(l));
    console.log(`failed requests ${JSON.stringify(stats.failures)} at ${JSON.stringify(stats.failedAt.map((t) => t - stopping))} ms after nginx was told to stop (it took ${stopped - stopping} ms); switchyard's counts:\n${metrics.join('\n')}\nits log:\n${sy.output().slice(-2000)}`);
  }
  // Resets of connections nginx's backlog held when it closed its listener (see the top).
  const atStop = (f: string, i: number) => /^ECONNRESET /.test(f) && stats.failedAt[i] >= stopping && stats.failedAt[i] <= stopped + 500;
  const backlogResets = stats.failures.filter(atStop);
  assert.ok(backlogResets.length <= 4, `at most one reset per load loop while nginx stops: ${JSON.stringify(backlogResets)}`);
  assert.equal(stats.failures.filter((f, i) => !atStop(f, i)), [], 'no other failed request');
  assert.is(stats.timedOut, 0, 'no request hung');
  assert.ok(stats.ok > 100, `load ran (${stats.ok} requests)`);
  assert.match((await sy.cli(['get', 'pods', pod])).stdout, new RegExp(`${pod}\\s+1/1\\s+Running`));
  const events = (await sy.cli(['describe', 'svc', service])).stdout;
  assert.match(events, /Warning\s+Unhealthy\s+/);
  assert.match(events, /Normal\s+Ready\s+/);
}

test('httpGet readinessProbe: an nginx that exits leaves the endpoints and returns; no request fails', async () => {
  if (!haveNginx) return;
  const b = backends[1];
  await stopAndRestart('web-http', 8080, 1, new RegExp(`Warning\\s+Unhealthy\\s+.*Readiness probe failed: Get "http://${b.ip.replace(/\./g, '\\.')}:${b.port}/": dial tcp .*: connect: connection refused`));
});

test('implicit TCP probe: an nginx that exits leaves the endpoints and returns; no request fails', async () => {
  if (!haveNginx) return;
  const b = backends[0];
  await stopAndRestart('web-tcp', 8081, 0, new RegExp(`Warning\\s+Unhealthy\\s+.*Readiness probe failed: dial tcp ${b.ip.replace(/\./g, '\\.')}:${b.port}: connect: connection refused`));
});

test('SIGSTOP: the frozen nginx leaves the endpoints within the probe bound and returns after SIGCONT', async () => {
  if (!haveNginx) return;
  const service = 'web-http';
  const all = backends.map((x) => `${x.ip}:${x.port}`).sort();
  await waitFor(`${service} has three ready endpoints`, async () => (await readyEndpoints(service)).length === 3);
  const clusterIP = JSON.parse((await sy.cli(['get', 'svc', service, '-o', 'json'])).stdout).spec.clusterIP;
  const load = startLoad(`http://${clusterIP}:8080/`);
  const b = backends[2];
  await waitFor('load reaches every backend', async () => backends.every((x) => served(load.stats, x) > 5));

  b.pause();
  // periodSeconds × failureThreshold + timeoutSeconds = 3 s; the bound allows a loaded machine and CLI polling.
  await waitFor(`${service} drops the frozen ${b.name}`, async () => !(await readyEndpoints(service)).includes(`${b.ip}:${b.port}`), 3_000 * 4);
  assert.match((await sy.cli(['describe', 'pod', `${service}-3`])).stdout, /Warning\s+Unhealthy\s+.*Readiness probe failed: Get ".*": context deadline exceeded/);
  // Requests sent to it before that hang until the client's 2 s timeout; give them that long.
  await new Promise((r) => setTimeout(r, 2500));
  const hungWhileIn = load.stats.timedOut;

  b.resume();
  await waitFor(`${service} brings ${b.name} back`, async () => (await readyEndpoints(service)).join() === all.join());
  const before = served(load.stats, b);
  await waitFor(`${b.name} serves again`, async () => served(load.stats, b) > before + 5);
  const stats = await load.stop();
  assert.equal(stats.failures, [], 'no request failed; the ones sent to the frozen backend timed out instead');
  assert.ok(stats.ok > 100, `load ran (${stats.ok} requests)`);
  // Only requests that reached the frozen nginx before the probe took it out hang; none after.
  assert.is(stats.timedOut, hungWhileIn, 'no request hangs once the frozen backend is out of the endpoints');
  console.log(`SIGSTOP: ${stats.ok} requests ok, ${stats.timedOut} hung on the frozen backend (client timeout 2 s)`);
});

test.run();
