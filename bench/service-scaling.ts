// Control-plane scaling, through the admin API of a fresh `switchyard serve` (default accept mode,
// no manifests, no default probe so an endpoint's readiness is the Pod's own):
// - set-up: PUT N Services (all selecting one Pod in front of backend b1); the time until every PUT
//   is acknowledged, and until every ClusterIP accepts a TCP connection;
// - one endpoint change with those N Services applied: PUT one Pod that adds backend b2 to a
//   separate Service `changed`; the time until the PUT returns, until GET endpoints/changed lists
//   it, and until a connection through that Service's ClusterIP is answered by b2. Repeated, the
//   Pod deleted (and the data plane back to b1 only) between repetitions; medians reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { httpGet } from './http-get.ts';
import { median } from './render-results.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';
import type { Address } from './target.ts';

/** A backend and the name it answers `GET /` with (`backend NAME`). */
export type NamedBackend = Address & { name: string };

const ROOT = new URL('..', import.meta.url).pathname;

export interface ScalingResult {
  services: number;
  applyMs: number;
  listenMs: number;
  change: { ackMs: number; apiMs: number; dataMs: number; reps: number };
}

// node:http with `agent: false` rather than fetch(): no pooled connection left to hold up the
// server's graceful stop.
function request(admin: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(`${admin}${path}`, {
      method, agent: false, timeout: 30_000,
      headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function put(admin: string, path: string, body: unknown): Promise<{ spec: { clusterIP: string } }> {
  const r = await request(admin, 'PUT', path, body);
  if (r.status !== 200 && r.status !== 201) throw new Error(`PUT ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
}

function pod(name: string, app: string, addr: Address): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } },
    spec: { containers: [{ name: 'c', image: 'bench', ports: [{ name: 'http', containerPort: addr.port }] }] },
    status: { phase: 'Running', podIP: addr.host },
  };
}

function service(name: string, app: string): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { clearTimeout(t); s.destroy(); resolve(ok); };
    const t = setTimeout(() => done(false), 1000);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Which backend answered one `GET /` through `host:80` ('' on failure). */
function whichBackend(host: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: 80 });
    let got = '';
    const done = () => { clearTimeout(t); s.destroy(); resolve(/backend (\w+)/.exec(got)?.[1] ?? ''); };
    const t = setTimeout(done, 2000);
    s.once('connect', () => s.write('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n'));
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    s.once('end', done);
    s.once('error', done);
  });
}

/** Runs `step` until it returns true or `timeoutMs` passes; returns the elapsed ms from `t0`, NaN on timeout. */
async function timeUntil(t0: number, step: () => Promise<boolean>, timeoutMs: number, pauseMs = 0): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    if (await step().catch(() => false)) return performance.now() - t0;
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return NaN;
}

async function parallel<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]); }));
}

export async function runServiceScaling(n: number, reps: number, serviceCidr: string, nodeAddress: string, b1: NamedBackend, b2: NamedBackend,
  log: (line: string) => void = () => {}): Promise<ScalingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scaling-'));
  const adminPort = await freePort();
  const admin = `http://127.0.0.1:${adminPort}`;
  // Only the CIDR and node address are set, to keep off other runs' addresses; accept mode and
  // worker count are switchyard's defaults, as a user runs it.
  const proc = spawnManaged(process.execPath, [join(ROOT, 'bin', 'switchyard.js'), 'serve', '--admin', `127.0.0.1:${adminPort}`,
    '--state-dir', join(dir, 'state'), '--service-cidr', serviceCidr, '--node-address', nodeAddress,
    '--no-default-probe', '--drain-timeout', '2000', '--no-demo'], ROOT);
  try {
    await waitUntil('switchyard (scaling) admin API', async () => (await httpGet(`${admin}/healthz`)).status === 200, 30_000, proc.running);
    const ns = '/api/v1/namespaces/default';
    await put(admin, `${ns}/pods/shared`, pod('shared', 'shared', b1));
    await put(admin, `${ns}/pods/changed-base`, pod('changed-base', 'changed', b1));
    const changedIP = (await put(admin, `${ns}/services/changed`, service('changed', 'changed'))).spec.clusterIP as string;

    const ips: string[] = [];
    const t0 = performance.now();
    // Several PUTs in flight, as `kubectl apply -f dir/` with many objects does not do but a
    // controller would; the server serialises commits anyway.
    await parallel(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
      ips.push((await put(admin, `${ns}/services/s-${i}`, service(`s-${i}`, 'shared'))).spec.clusterIP);
    });
    const applyMs = performance.now() - t0;
    let waiting = [...ips];
    const listenMs = await timeUntil(t0, async () => {
      const ok = await Promise.all(waiting.slice(0, 256).map((ip) => connects(ip, 80)));
      waiting = waiting.filter((_, i) => i >= 256 || !ok[i]);
      return waiting.length === 0;
    }, 120_000);
    log(`scaling ${n} Services: applied in ${applyMs.toFixed(0)} ms, all listening after ${listenMs.toFixed(0)} ms`);

    const ack: number[] = [];
    const api: number[] = [];
    const data: number[] = [];
    for (let k = 0; k < reps; k++) {
      const name = `changed-${k}`;
      const t1 = performance.now();
      const putDone = put(admin, `${ns}/pods/${name}`, pod(name, 'changed', b2)).then(() => performance.now() - t1);
      const apiDone = timeUntil(t1, async () => (await httpGet(`${admin}${ns}/endpoints/changed`)).body.includes(`"${b2.host}"`), 10_000, 2);
      const dataDone = timeUntil(t1, async () => (await whichBackend(changedIP)) === b2.name, 10_000);
      ack.push(await putDone);
      api.push(await apiDone);
      data.push(await dataDone);
      const del = await request(admin, 'DELETE', `${ns}/pods/${name}`);
      if (del.status !== 200) throw new Error(`DELETE pod ${name}: ${del.status} ${del.body.slice(0, 200)}`);
      // Back to b1 only: four answers in a row from b1 (round-robin over two would show b2 by then).
      let inRow = 0;
      await timeUntil(performance.now(), async () => {
        inRow = (await whichBackend(changedIP)) === b1.name ? inRow + 1 : 0;
        return inRow >= 4;
      }, 10_000);
    }
    log(`scaling ${n} Services: endpoint change ack ${median(ack).toFixed(1)} ms, API ${median(api).toFixed(1)} ms, data plane ${median(data).toFixed(1)} ms`);
    return { services: n, applyMs, listenMs, change: { ackMs: median(ack), apiMs: median(api), dataMs: median(data), reps } };
  } catch (err) {
    throw new Error(`${(err as Error).message}\nswitchyard output (tail):\n${proc.output().slice(-2000)}`);
  } finally {
    await proc.stop('SIGTERM', 15_000);
    rmSync(dir, { recursive: true, force: true });
  }
}
