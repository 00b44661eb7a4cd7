// The walkthrough with real traffic: three Debian nginx backends on loopback behind nginx-svc,
// curl through the ClusterIP and the NodePort, scale 2 → 3 → 1 under continuous load; traffic
// follows the endpoints and no request fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { nginxPath, startNginx, type NginxBackend } from '../helpers/nginx-backend.ts';
import { randomLoopback } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
let sy: SwitchyardProcess;
const backends: NginxBackend[] = [];
let nodePort = 0;
let clusterIP = '';

function pod(b: NginxBackend, n: number): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: nginx-${n}, labels: { app: nginx } }
spec: { containers: [{ name: nginx, image: nginx, ports: [{ name: http, containerPort: ${b.port} }] }] }
status: { podIP: ${b.ip} }
`;
}

async function curl(url: string): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '5', url]);
  return stdout.trim();
}


const haveNginx = !!nginxPath();

test.before(async () => {
  if (!haveNginx) return;
  const base = randomLoopback().split('.').slice(0, 3).join('.');
  for (let i = 1; i <= 3; i++) backends.push(await startNginx(`nginx-${i}`, `${base}.${i + 10}`));
  sy = await startSwitchyard(['--no-demo', '-f', join(ROOT, 'config', 'nginx-app.yaml')]);
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'nginx-svc', '-o', 'json'])).stdout);
  nodePort = svc.spec.ports[0].nodePort;
  clusterIP = svc.spec.clusterIP;
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.stop();
});

test('nginx is installed (the CI script installs it)', () => {
  assert.ok(haveNginx, 'apt-get install nginx-light');
});

test('curl through ClusterIP and NodePort reaches both backends in turn', async () => {
  if (!haveNginx) return;
  await sy.cli(['apply', '-f', '-'], pod(backends[0], 1) + '---\n' + pod(backends[1], 2));
  await waitFor('two endpoints', async () => (await sy.cli(['get', 'ep', 'nginx-svc'])).stdout.includes(','));
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add(await curl(`http://${sy.nodeAddress}:${nodePort}/`));
  for (let i = 0; i < 6; i++) seen.add(await curl(`http://${clusterIP}:80/`));
  assert.equal([...seen].sort(), ['backend nginx-1', 'backend nginx-2']);
});

test('scale 2 → 3 → 1 under continuous load: traffic follows, no request fails', async () => {
  if (!haveNginx) return;
  const agent = new Agent({ keepAliveTimeout: 1, pipelining: 0, connections: 8 });
  const counts = new Map<string, number>();
  let failures = 0;
  let stop = false;
  let phase = 'two';
  const recent: string[] = [];
  const seenIn = new Map<string, Set<string>>();
  const loop = async () => {
    for (let i = 0; i < 50_000 && !stop; i++) {
      try {
        // a new connection per request so the balancer picks for every request
        const r = await request(`http://${sy.nodeAddress}:${nodePort}/`, { dispatcher: agent, reset: true, headersTimeout: 5000, bodyTimeout: 5000 });
        const body = (await r.body.text()).trim();
        if (r.statusCode !== 200) failures++;
        counts.set(body, (counts.get(body) ?? 0) + 1);
        recent.push(body);
        if (recent.length > 40) recent.shift();
        if (!seenIn.has(phase)) seenIn.set(phase, new Set());
        seenIn.get(phase)!.add(body);
      } catch {
        failures++;
      }
    }
  };
  const workers = [loop(), loop(), loop(), loop()];
  await new Promise((r) => setTimeout(r, 500));
  await sy.cli(['apply', '-f', '-'], pod(backends[2], 3));
  await waitFor('nginx-3 receives traffic', async () => (counts.get('backend nginx-3') ?? 0) > 10);
  const del = await sy.cli(['delete', 'pod', 'nginx-1', 'nginx-2']);
  assert.is(del.code, 0, del.stderr);
  // the change reaches the workers asynchronously; from then on only nginx-3 may answer
  await waitFor('only nginx-3 answers', async () => recent.length === 40 && recent.every((b) => b === 'backend nginx-3'));
  phase = 'one';
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(workers);
  await agent.close();
  assert.is(failures, 0, `failed requests: ${failures}`);
  assert.equal([...(seenIn.get('one') ?? [])], ['backend nginx-3'], 'after scaling to 1 only nginx-3 answers');
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.ok(total > 100, `load ran (${total} requests)`);
});

test.run();
