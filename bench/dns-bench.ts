// The DNS responder beside dnsmasq, unbound and a Node echo server (the floor of receiving and
// sending a datagram in Node), all serving the same 1,000 names to dnsperf (Debian) on loopback:
// queries/s and server CPU µs per query at full speed, and p99 latency at a paced 5,000 q/s.
// Rounds are interleaved (every server once per round, order rotated) so that the machine's other
// load falls on all of them alike; medians are reported, with the ratios the targets are set in.
// Usage: node bench/dns-bench.ts [--rounds 3] [--seconds 5] [--paced-seconds 4] [--qps 5000] [--out FILE]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds } from './cpu-seconds.ts';
import { freePort } from './free-port.ts';
import { spawnManaged, waitUntil, type ManagedProcess } from './spawn-managed.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE = process.execPath;
const { values: v } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' },
    'paced-seconds': { type: 'string', default: '4' }, qps: { type: 'string', default: '5000' }, out: { type: 'string' },
  },
});
const ROUNDS = Number(v.rounds);
const SECONDS = Number(v.seconds);
const PACED = Number(v['paced-seconds']);
const QPS = Number(v.qps);
const NAMES = 1000;

const rnd = (n: number) => Math.floor(Math.random() * n);
const loopback = () => `127.${1 + rnd(90)}.${rnd(256)}.${1 + rnd(254)}`;

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

interface Target { name: string; ip: string; port: number; proc: ManagedProcess }

const dir = mkdtempSync(join(tmpdir(), 'switchyard-dns-bench-'));
const queries = join(dir, 'queries.txt');
writeFileSync(queries, Array.from({ length: NAMES }, (_, i) => `svc-${i}.bench.svc.cluster.local A\n`).join(''));

async function probe(t: { ip: string; port: number }): Promise<boolean> {
  const out = await run('dig', [`@${t.ip}`, '-p', String(t.port), '+tries=1', '+time=1', '+short', 'svc-1.bench.svc.cluster.local']).catch(() => '');
  return out.trim().length > 0;
}

async function startSwitchyard(): Promise<{ target: Target; addresses: Map<string, string> }> {
  const cidr = `127.${96 + rnd(16)}.0.0/16`;
  const adminPort = await freePort();
  const port = await freePort();
  const ip = cidr.replace('0.0/16', '0.10');
  const proc = spawnManaged(NODE, [join(ROOT, 'bin/switchyard.js'), 'serve', '--admin', `127.0.0.1:${adminPort}`, '--state-dir', join(dir, 'state'),
    '--service-cidr', cidr, '--node-address', loopback(), '--workers', '1', '--no-default-probe', '--no-demo', '--dns', `:${port}`]);
  const server = `http://127.0.0.1:${adminPort}`;
  await waitUntil('switchyard', async () => (await fetch(`${server}/healthz`)).ok, 30_000, proc.running);
  const yaml = Array.from({ length: NAMES }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: bench }\nspec: { ports: [{ port: 80 }] }\n---\n`).join('');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(NODE, [join(ROOT, 'bin/switchyard.js'), 'apply', '-f', '-'], { env: { ...process.env, SWITCHYARD_SERVER: server }, maxBuffer: 16 << 20 },
      (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(yaml);
  });
  const list = await (await fetch(`${server}/api/v1/namespaces/bench/services`)).json() as { items: { metadata: { name: string }; spec: { clusterIP: string } }[] };
  const addresses = new Map(list.items.map((s) => [`${s.metadata.name}.bench.svc.cluster.local`, s.spec.clusterIP]));
  const target = { name: 'switchyard', ip, port, proc };
  await waitUntil('switchyard DNS', () => probe(target), 10_000, proc.running);
  return { target, addresses };
}

async function startDnsmasq(addresses: Map<string, string>): Promise<Target> {
  const ip = loopback();
  const port = await freePort();
  writeFileSync(join(dir, 'hosts'), [...addresses].map(([name, addr]) => `${addr} ${name}`).join('\n') + '\n');
  const proc = spawnManaged('dnsmasq', ['-k', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${join(dir, 'hosts')}`, '--local-ttl=5',
    `--listen-address=${ip}`, `--port=${port}`, '--bind-interfaces', '--pid-file=', '--user=root', '--cache-size=0']);
  const t = { name: 'dnsmasq', ip, port, proc };
  await waitUntil('dnsmasq', () => probe(t), 10_000, proc.running);
  return t;
}

async function startUnbound(addresses: Map<string, string>): Promise<Target> {
  const ip = loopback();
  const port = await freePort();
  const conf = join(dir, 'unbound.conf');
  writeFileSync(conf, `server:
  interface: ${ip}@${port}
  port: ${port}
  num-threads: 1
  do-daemonize: no
  chroot: ""
  username: ""
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  do-ip6: no
  local-zone: "cluster.local." static
${[...addresses].map(([name, addr]) => `  local-data: "${name}. 5 IN A ${addr}"`).join('\n')}
remote-control:
  control-enable: no
`);
  const proc = spawnManaged('unbound', ['-d', '-c', conf]);
  const t = { name: 'unbound', ip, port, proc };
  await waitUntil('unbound', () => probe(t), 10_000, proc.running);
  return t;
}

async function startEcho(): Promise<Target> {
  const ip = loopback();
  const port = await freePort();
  const proc = spawnManaged(NODE, [join(ROOT, 'bench/dns-echo-server.ts'), ip, String(port)]);
  const t = { name: 'node-echo', ip, port, proc };
  await waitUntil('node echo', async () => proc.output().includes('listening'), 10_000, proc.running);
  return t;
}

interface Sample { qps: number; cpuUsPerQuery: number; completed: number; lost: number }

async function dnsperf(t: Target, extra: string[]): Promise<{ out: string; sample: Sample }> {
  const before = cpuSeconds([t.proc.pid]);
  const out = await run('dnsperf', ['-s', t.ip, '-p', String(t.port), '-d', queries, '-c', '1', '-t', '2', ...extra]);
  const cpu = cpuSeconds([t.proc.pid]) - before;
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  return { out, sample: { qps, completed, lost, cpuUsPerQuery: completed ? (cpu * 1e6) / completed : NaN } };
}

function p99(out: string): number {
  const lat = [...out.matchAll(/^> \w+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] * 1000 : NaN;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const started: Target[] = [];
try {
  const { target: sy, addresses } = await startSwitchyard();
  started.push(sy);
  for (const start of [() => startDnsmasq(addresses), () => startUnbound(addresses), startEcho]) started.push(await start());
  const results = new Map<string, { full: Sample[]; paced: Sample[]; p99ms: number[] }>();
  for (const t of started) results.set(t.name, { full: [], paced: [], p99ms: [] });
  const load = (await run('cat', ['/proc/loadavg'])).trim();
  for (let round = 0; round < ROUNDS; round++) {
    const order = started.map((_, i) => started[(i + round) % started.length]);
    for (const t of order) {
      const full = await dnsperf(t, ['-l', String(SECONDS)]);
      const paced = await dnsperf(t, ['-l', String(PACED), '-Q', String(QPS), '-v']);
      const r = results.get(t.name)!;
      r.full.push(full.sample);
      r.paced.push(paced.sample);
      r.p99ms.push(p99(paced.out));
      console.error(`round ${round + 1} ${t.name}: ${full.sample.qps.toFixed(0)} q/s, ${full.sample.cpuUsPerQuery.toFixed(1)} µs/query; at ${QPS} q/s p99 ${r.p99ms.at(-1)!.toFixed(3)} ms, ${paced.sample.cpuUsPerQuery.toFixed(1)} µs/query`);
    }
  }
  const summary = started.map((t) => {
    const r = results.get(t.name)!;
    return {
      server: t.name, qps: median(r.full.map((s) => s.qps)), cpuUsPerQuery: median(r.full.map((s) => s.cpuUsPerQuery)),
      pacedCpuUsPerQuery: median(r.paced.map((s) => s.cpuUsPerQuery)), p99ms: median(r.p99ms),
      lost: r.full.reduce((n, s) => n + s.lost, 0) + r.paced.reduce((n, s) => n + s.lost, 0),
    };
  });
  const by = (name: string) => summary.find((s) => s.server === name)!;
  const sy2 = by('switchyard');
  const ratios = {
    cpuVsEcho: sy2.cpuUsPerQuery / by('node-echo').cpuUsPerQuery,
    cpuVsDnsmasq: sy2.cpuUsPerQuery / by('dnsmasq').cpuUsPerQuery,
    qpsVsDnsmasq: sy2.qps / by('dnsmasq').qps,
    p99ms: sy2.p99ms,
  };
  const doc = { date: new Date().toISOString(), rounds: ROUNDS, seconds: SECONDS, pacedSeconds: PACED, pacedQps: QPS, names: NAMES, loadavgAtStart: load, summary, ratios };
  const rows = summary.map((s) => `| ${s.server} | ${s.qps.toFixed(0)} | ${s.cpuUsPerQuery.toFixed(1)} | ${s.pacedCpuUsPerQuery.toFixed(1)} | ${s.p99ms.toFixed(3)} | ${s.lost} |`);
  console.log(['| server | queries/s | CPU µs/query (full speed) | CPU µs/query (at ' + QPS + ' q/s) | p99 ms at ' + QPS + ' q/s | lost |', '|---|---|---|---|---|---|', ...rows].join('\n'));
  console.log(`\nswitchyard CPU/query: ${ratios.cpuVsEcho.toFixed(2)}× the Node echo floor (target ≤ 1.2×), ${ratios.cpuVsDnsmasq.toFixed(2)}× dnsmasq (target ≤ 2×); queries/s ${ratios.qpsVsDnsmasq.toFixed(2)}× dnsmasq (target ≥ 0.6×); p99 at ${QPS} q/s ${ratios.p99ms.toFixed(3)} ms (target ≤ 1 ms)`);
  if (v.out) writeFileSync(v.out, JSON.stringify(doc, null, 2) + '\n');
} finally {
  for (const t of started) await t.proc.stop();
  rmSync(dir, { recursive: true, force: true });
}
