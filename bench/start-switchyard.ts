// switchyard as a user runs it (`switchyard serve`, a child process), with a Service for the two
// nginx backends and one for the sink, each backend a `kind: Pod` with a named container port.
// The whole process (main thread + data-plane workers) is one PID, so /proc charges all its threads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { httpGet } from './http-get.ts';
import { probeTarget } from './probe-target.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';
import type { Address, Target } from './target.ts';

const ROOT = new URL('..', import.meta.url).pathname;

function pod(name: string, app: string, portName: string, addr: Address): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: ${app} } }
spec: { containers: [{ name: ${app}, image: bench, ports: [{ name: ${portName}, containerPort: ${addr.port} }] }] }
status: { phase: Running, podIP: ${addr.host} }
`;
}

function manifest(backends: Address[], sink: Address): string {
  return [
    `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] }
`,
    `apiVersion: v1
kind: Service
metadata: { name: sink }
spec: { selector: { app: sink }, ports: [{ name: sink, port: 9000, targetPort: sink }] }
`,
    ...backends.map((b, i) => pod(`web-${i + 1}`, 'web', 'http', b)),
    pod('sink-1', 'sink', 'sink', sink),
  ].join('---\n');
}

export interface SwitchyardOptions {
  accept: 'transfer' | 'reuseport';
  workers: number;
  /** 127.A.B.0/24 for ClusterIPs; NodePorts are not used. */
  serviceCidr: string;
  nodeAddress: string;
  /** Target name and label in the results; default `switchyard-ACCEPT`, `switchyard ACCEPT`. */
  name?: string;
  label?: string;
  /** The checkout to run (default this one): another commit's worktree, to compare two side by side. */
  root?: string;
  /** Node/V8 flags for the switchyard process (profile-run's `NAME+FLAG` targets). */
  execArgv?: string[];
}

export async function startSwitchyard(o: SwitchyardOptions, backends: Address[], sink: Address): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `bench-switchyard-${o.accept}-`));
  writeFileSync(join(dir, 'bench.yaml'), manifest(backends, sink));
  const adminPort = await freePort();
  const admin = `http://127.0.0.1:${adminPort}`;
  const root = o.root ?? ROOT;
  const proc = spawnManaged(process.execPath, [...(o.execArgv ?? []), join(root, 'bin', 'switchyard.js'), 'serve', '--admin', `127.0.0.1:${adminPort}`,
    '--state-dir', join(dir, 'state'), '--service-cidr', o.serviceCidr, '--node-address', o.nodeAddress,
    '--workers', String(o.workers), '--accept', o.accept, '--drain-timeout', '2000', '--no-demo', '-f', join(dir, 'bench.yaml')], root);
  const target: Target = {
    name: o.name ?? `switchyard-${o.accept}`, label: o.label ?? `switchyard ${o.accept}`,
    http: { host: '', port: 80 }, sink: { host: '', port: 9000 },
    pids: () => [proc.pid],
    async stop() {
      if (await proc.stop('SIGTERM', 15_000)) {
        process.stderr.write(`switchyard (${o.accept}) did not exit within 15 s of SIGTERM and was killed; its output (tail):\n${proc.output().slice(-1500)}\n`);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const clusterIP = async (name: string): Promise<string> => {
    const r = await httpGet(`${admin}/api/v1/namespaces/default/services/${name}`);
    const body = JSON.parse(r.body) as { spec?: { clusterIP?: string } };
    if (r.status !== 200 || !body.spec?.clusterIP) throw new Error(`GET service ${name}: ${r.status} ${r.body.slice(0, 200)}`);
    return body.spec.clusterIP;
  };
  let lastProblem = '';
  try {
    await waitUntil('switchyard admin API', async () => (await httpGet(`${admin}/healthz`)).status === 200, 30_000, proc.running);
    target.http.host = await clusterIP('web');
    target.sink.host = await clusterIP('sink');
    await waitUntil(`switchyard (${o.accept}) carrying traffic`, async () => {
      lastProblem = (await probeTarget(target)) ?? '';
      return lastProblem === '';
    }, 20_000, proc.running);
  } catch (err) {
    const out = proc.output();
    await target.stop();
    throw new Error(`${(err as Error).message}${lastProblem ? `\nlast probe: ${lastProblem}` : ''}\nswitchyard output (tail):\n${out.slice(-3000)}`);
  }
  return target;
}
