// `switchyard serve --discover docker` against a real engine: podman's Docker-compatible service
// and Debian's docker-compose v1 (test/helpers/podman-engine.ts; the whole file runs inside its
// own network, mount and PID namespaces). A compose project's `web` replicas are published on
// 127.0.0.1::80; switchyard follows them in published mode behind a NodePort Service selecting
// `com.docker.compose.service: web`: 2 replicas share the traffic, a third gets it within seconds,
// scaling to 1 under load fails no request, a failing HEALTHCHECK takes its container out, and a
// restarted engine is re-listed (changes made while it was down included).
//
// Scaling down without a failed request needs the balancer to stop sending before the backend
// stops accepting: connections already queued in a listener the backend closes are reset by the
// kernel, and no balancer can take those back. Docker announces a stop with a `kill` event when
// it sends the signal; podman says nothing until the process has exited. So the web replicas do
// what backends do in Kubernetes: a readiness probe (the switchyard.io/readiness-probe label)
// that fails as soon as they receive SIGTERM, and a short lame-duck period before they close.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { engineSubdir, enterEngineNamespace, missingEngineTools, startPodmanEngine, type PodmanEngine } from '../helpers/podman-engine.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const dir = await enterEngineNamespace();
const IMAGE = 'localhost/switchyard-test:1';
const PROJECT = 'syt';
let engine: PodmanEngine;
let sy: SwitchyardProcess;
let projectDir = '';
let webPort = 0;
const agent = new Agent({ pipelining: 0, keepAliveTimeout: 1, connections: 16 });

const COMPOSE = `version: "2.4"
services:
  web:
    image: ${IMAGE}
    ports: ["127.0.0.1::80"]
    labels:
      switchyard.io/readiness-probe: '{"httpGet": {"path": "/ready", "port": 80}, "periodSeconds": 1, "failureThreshold": 1}'
  checked:
    image: ${IMAGE}
    ports: ["127.0.0.1::80"]
    healthcheck:
      test: ["CMD", "/bin/busybox", "test", "-f", "/tmp/healthy"]
      interval: 2s
      retries: 1
`;

const service = (name: string, composeService: string) => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  type: NodePort
  selector: { com.docker.compose.project: ${PROJECT}, com.docker.compose.service: ${composeService} }
  ports: [{ port: 80, targetPort: 80 }]
`;

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${sy?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function compose(args: string[]): Promise<string> {
  const r = await engine.compose(projectDir, PROJECT, args);
  if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Short ids (what each replica's page says) of a compose service's running containers. */
async function replicas(composeService: string): Promise<string[]> {
  return (await compose(['ps', '-q', composeService])).split('\n').filter(Boolean).map((id) => id.slice(0, 12)).sort();
}

/** The ready endpoints of a Service, as `ip:port` (from the admin API: polled, so no CLI process each time). */
async function readyEndpoints(name: string): Promise<string[]> {
  const r = await request(`${sy.url}/api/v1/namespaces/default/endpoints/${name}`);
  if (r.statusCode !== 200) { await r.body.dump(); return []; }
  const ep = await r.body.json() as { subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[] };
  return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`))).sort();
}

/** The access log's connections that did not end with the client closing, and the server's log. */
function unusualConnections(): string {
  const lines = readFileSync(join(dir!, 'access.log'), 'utf8').split('\n').filter((l) => l && !l.includes('"end":"client-closed"'));
  return `${lines.slice(0, 20).join('\n')}\n${sy.output().slice(-3000)}`;
}

async function nodePort(name: string): Promise<number> {
  const svc = JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout);
  return svc.spec.ports[0].nodePort;
}

async function get(port: number): Promise<string> {
  const r = await request(`http://${sy.nodeAddress}:${port}/`, { dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const body = (await r.body.text()).trim();
  if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}: ${body}`);
  return body;
}

async function bodies(port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await get(port));
  return seen;
}

test.before(async () => {
  if (!dir) return;
  engine = await startPodmanEngine(dir);
  await engine.buildTestImage(IMAGE);
  projectDir = engineSubdir(engine, 'project');
  writeFileSync(join(projectDir, 'docker-compose.yml'), COMPOSE);
  await compose(['up', '-d', '--scale', 'web=2', 'web']);
  process.env.DOCKER_HOST = engine.dockerHost;
  sy = await startSwitchyard(['--no-demo', '--discover', 'docker', '--docker-address', 'published', '--connect-timeout', '2000', '--access-log', join(dir, 'access.log')]);
  const applied = await sy.cli(['apply', '-f', '-'], service('web', 'web') + '---\n' + service('checked', 'checked'));
  assert.is(applied.code, 0, applied.stderr);
  webPort = await nodePort('web');
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  if (projectDir) await engine.compose(projectDir, PROJECT, ['down', '--timeout', '1']).catch(() => undefined);
  await engine?.close();
  await agent.close();
});

test('podman, docker-compose, runc, catatonit and busybox-static are installed (.ci/run installs them)', () => {
  assert.equal(missingEngineTools(), []);
  assert.ok(dir, 'the test runs inside its own namespaces');
});

test('two replicas: both get traffic; their Pods carry the compose labels and are read-only', async () => {
  const ids = await replicas('web');
  assert.is(ids.length, 2);
  await waitFor('two web endpoints', async () => (await readyEndpoints('web')).length === 2);
  for (const ep of await readyEndpoints('web')) assert.match(ep, /^127\.0\.0\.1:\d+$/);
  assert.equal([...await bodies(webPort, 12)].sort(), ids);

  const pods = JSON.parse((await sy.cli(['get', 'pods', '-o', 'json'])).stdout).items as { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } }[];
  const web1 = pods.find((p) => p.metadata.name === `${PROJECT}-web-1`);
  assert.ok(web1, `a Pod named ${PROJECT}-web-1 among ${pods.map((p) => p.metadata.name)}`);
  assert.is(web1!.metadata.labels['com.docker.compose.service'], 'web');
  assert.is(web1!.metadata.annotations['switchyard.io/docker-container-name'], `${PROJECT}_web_1`);
  assert.ok(web1!.metadata.annotations['com.docker.compose.config-hash'], 'the 64-character config-hash is an annotation');

  const del = await sy.cli(['delete', 'pod', `${PROJECT}-web-1`]);
  assert.is(del.code, 1);
  assert.match(del.stderr, 'forbidden');
  assert.match(del.stderr, `the Docker container ${PROJECT}_web_1`);
  assert.is((await readyEndpoints('web')).length, 2, 'the refused delete changed nothing');
});

test('scale to 3: the third replica gets traffic within seconds', async () => {
  await compose(['up', '-d', '--scale', 'web=3', 'web']);
  const ids = await replicas('web');
  assert.is(ids.length, 3);
  const seen = new Set<string>();
  await waitFor('traffic on all three replicas', async () => {
    for (let i = 0; i < 6; i++) seen.add(await get(webPort));
    return ids.every((id) => seen.has(id));
  }, 15_000);
  assert.equal([...seen].sort(), ids);
});

test('scale to 1 under continuous load: endpoints follow, no request fails', async () => {
  let failures = 0;
  let done = 0;
  const errors: string[] = [];
  let stop = false;
  const deadline = Date.now() + 60_000;
  const worker = async () => {
    while (!stop && Date.now() < deadline && done < 20_000) {
      try { await get(webPort); } catch (err) { failures++; if (errors.length < 5) errors.push((err as Error).message); }
      done++;
    }
  };
  const load = Promise.all([worker(), worker(), worker(), worker()]);
  await waitFor('load running', async () => done > 20);
  await compose(['up', '-d', '--scale', 'web=1', 'web']);
  const [remaining] = await replicas('web');
  await waitFor('one web endpoint', async () => (await readyEndpoints('web')).length === 1);
  const before = done;
  await waitFor('more requests after the scale-down', async () => done > before + 50);
  stop = true;
  await load;
  assert.is(failures, 0, `failed requests: ${errors.join('; ')}\n${unusualConnections()}`);
  assert.equal([...await bodies(webPort, 6)], [remaining]);
});

test('a container whose HEALTHCHECK fails leaves the endpoints; healthy again, it is back', async () => {
  await compose(['up', '-d', 'checked']);
  const [id] = await replicas('checked');
  const name = `${PROJECT}_checked_1`;
  // No systemd here, so nothing runs podman's HEALTHCHECK timer: run it as the timer would.
  await waitFor('the checked Pod', async () => (await request(`${sy.url}/api/v1/namespaces/default/pods/${PROJECT}-checked-1`)).statusCode === 200);
  assert.match((await sy.cli(['get', 'pod', `${PROJECT}-checked-1`])).stdout, /0\/1\s+Running/, 'not ready while its health is starting');
  assert.equal(await readyEndpoints('checked'), []);
  assert.is((await engine.podman(['healthcheck', 'run', name])).code, 0);
  await waitFor('checked ready once healthy', async () => (await readyEndpoints('checked')).length === 1);
  const port = await nodePort('checked');
  assert.is(await get(port), id);

  await engine.podman(['exec', name, '/bin/busybox', 'rm', '/tmp/healthy']);
  assert.is((await engine.podman(['healthcheck', 'run', name])).code, 1);
  await waitFor('checked out of the endpoints once unhealthy', async () => (await readyEndpoints('checked')).length === 0);
  const refused = await get(port).then(() => undefined, (err: Error) => err);
  assert.ok(refused, 'no endpoint left: the connection is refused');

  await engine.podman(['exec', name, '/bin/busybox', 'touch', '/tmp/healthy']);
  await engine.podman(['healthcheck', 'run', name]);
  await waitFor('checked back once healthy', async () => (await readyEndpoints('checked')).length === 1);
});

test('the engine restarted: switchyard keeps the last Pods, reconnects and catches up', async () => {
  const [before] = await replicas('web');
  await engine.stopService();
  await waitFor('switchyard noticing the lost engine', async () => sy.output().includes('lost the Docker Engine'));
  assert.is((await readyEndpoints('web')).length, 1, 'the last known Pods stay');
  assert.is(await get(webPort), before);

  // Changes while nobody listens: the replica stops, a new web container starts.
  assert.is((await engine.podman(['stop', '--time', '1', `${PROJECT}_web_1`])).code, 0);
  const run = await engine.podman(['run', '-d', '--name', `${PROJECT}_web_9`, '-p', '127.0.0.1::80',
    '--label', `com.docker.compose.project=${PROJECT}`, '--label', 'com.docker.compose.service=web', IMAGE]);
  assert.is(run.code, 0, run.stderr);
  const after = run.stdout.trim().slice(0, 12);

  await engine.startService();
  const inspect = await engine.api<{ NetworkSettings: { Ports: Record<string, { HostPort: string }[]> } }>(`/containers/${after}/json`);
  const published = `127.0.0.1:${inspect.NetworkSettings.Ports['80/tcp'][0].HostPort}`;
  await waitFor('the new container as the only endpoint', async () => (await readyEndpoints('web')).join() === published);
  assert.is(await get(webPort), after);
  const events = await (await request(`${sy.url}/api/v1/namespaces/default/events`)).body.json() as { items: { reason: string }[] };
  const reasons = events.items.map((e) => e.reason);
  assert.ok(reasons.includes('DockerEngineUnreachable') && reasons.includes('DockerEngineReconnected'), reasons.join(', '));
});

test.run();
