// What the UDP loads run against: a DNS address (the two dnsmasq backends behind it) and an iperf3
// address (TCP control and UDP data on one port, the iperf3 server behind it), and the PIDs whose
// CPU is the proxy's own. Targets: direct (dnsmasq 1 and the iperf3 server themselves), switchyard
// (`switchyard serve` with a Service of each, reached at their ClusterIPs) and nginx `stream`
// (`listen … udp`, `proxy_responses 1` for DNS, one worker process).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { httpGet } from './http-get.ts';
import { runNginx, STREAM_MODULE } from './run-nginx.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';
import { dnsQuery } from './start-dnsmasq.ts';
import type { Address } from './target.ts';
import { createSocket } from 'node:dgram';

export interface UdpTarget {
  name: string;
  label: string;
  dns: Address;
  iperf: Address;
  pids(): number[];
  stop(): Promise<void>;
}

const ROOT = new URL('..', import.meta.url).pathname;

/** One DNS query to `a` answered within `timeoutMs`. */
export function dnsAnswers(a: Address, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(a.host.includes(':') ? 'udp6' : 'udp4');
    const done = (ok: boolean) => { clearTimeout(timer); s.close(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', () => done(true));
    s.send(dnsQuery('probe.bench.test'), a.port, a.host);
  });
}

export function directUdpTarget(dns: Address, iperf: Address): UdpTarget {
  return { name: 'direct', label: 'direct', dns, iperf, pids: () => [], stop: async () => {} };
}

function pod(name: string, app: string, ports: string, ip: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: ${app} } }
spec: { containers: [{ name: ${app}, image: bench, ports: [${ports}] }] }
status: { phase: Running, podIP: ${ip} }
`;
}

export interface UdpSwitchyardOptions {
  name: string;
  label: string;
  workers: number;
  udpSockets: 'per-worker' | 'single';
  serviceCidr: string;
  nodeAddress: string;
  /** More `serve` flags (experiments: --udp-recv-buffer, …). */
  serveArgs?: string[];
}

export async function startUdpSwitchyard(o: UdpSwitchyardOptions, dns: Address[], iperf: Address): Promise<UdpTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-switchyard-udp-'));
  writeFileSync(join(dir, 'bench.yaml'), [
    `apiVersion: v1
kind: Service
metadata: { name: dns }
spec: { selector: { app: dns }, ports: [{ name: dns, port: 53, protocol: UDP, targetPort: dns }] }
`,
    `apiVersion: v1
kind: Service
metadata: { name: iperf }
spec: { selector: { app: iperf }, ports: [{ name: ctl, port: 5201, protocol: TCP, targetPort: ctl }, { name: data, port: 5201, protocol: UDP, targetPort: data }] }
`,
    ...dns.map((d, i) => pod(`dns-${i + 1}`, 'dns', `{ name: dns, containerPort: ${d.port}, protocol: UDP }`, d.host)),
    pod('iperf-1', 'iperf', `{ name: ctl, containerPort: ${iperf.port} }, { name: data, containerPort: ${iperf.port}, protocol: UDP }`, iperf.host),
  ].join('---\n'));
  const adminPort = await freePort();
  const admin = `http://127.0.0.1:${adminPort}`;
  const proc = spawnManaged(process.execPath, [join(ROOT, 'bin', 'switchyard.js'), 'serve', '--admin', `127.0.0.1:${adminPort}`,
    '--state-dir', join(dir, 'state'), '--service-cidr', o.serviceCidr, '--node-address', o.nodeAddress,
    '--workers', String(o.workers), '--udp-sockets', o.udpSockets, '--drain-timeout', '2000', '--no-demo', ...(o.serveArgs ?? []), '-f', join(dir, 'bench.yaml')], ROOT);
  const target: UdpTarget = {
    name: o.name, label: o.label, dns: { host: '', port: 53 }, iperf: { host: '', port: 5201 },
    pids: () => [proc.pid],
    async stop() {
      if (await proc.stop('SIGTERM', 15_000)) process.stderr.write(`${o.label} did not exit within 15 s of SIGTERM and was killed\n`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const clusterIP = async (name: string): Promise<string> => {
    const r = await httpGet(`${admin}/api/v1/namespaces/default/services/${name}`);
    const ip = (JSON.parse(r.body) as { spec?: { clusterIP?: string } }).spec?.clusterIP;
    if (r.status !== 200 || !ip) throw new Error(`GET service ${name}: ${r.status} ${r.body.slice(0, 200)}`);
    return ip;
  };
  try {
    await waitUntil('switchyard admin API', async () => (await httpGet(`${admin}/healthz`)).status === 200, 30_000, proc.running);
    target.dns.host = await clusterIP('dns');
    target.iperf.host = await clusterIP('iperf');
    await waitUntil(`${o.label} answering DNS`, () => dnsAnswers(target.dns), 20_000, proc.running);
  } catch (err) {
    const out = proc.output();
    await target.stop();
    throw new Error(`${(err as Error).message}\nswitchyard output (tail):\n${out.slice(-3000)}`);
  }
  return target;
}

export async function startUdpNginx(ip: string, dns: Address[], iperf: Address): Promise<UdpTarget> {
  const dnsPort = await freePort(ip);
  const iperfPort = await freePort(ip);
  const target: UdpTarget = { name: 'nginx', label: 'nginx stream', dns: { host: ip, port: dnsPort }, iperf: { host: ip, port: iperfPort }, pids: () => [], stop: async () => {} };
  // DNS: one reply per query ends the session (proxy_responses 1), as DNS needs. iperf3's data
  // stream has no replies to count, so its sessions last until idle (proxy_timeout).
  const nginx = await runNginx('udp', `load_module ${STREAM_MODULE};`, () => `
events { worker_connections 16384; }
stream {
  upstream dns { ${dns.map((d) => `server ${d.host}:${d.port};`).join(' ')} }
  upstream iperf { server ${iperf.host}:${iperf.port}; }
  server { listen ${ip}:${dnsPort} udp; proxy_pass dns; proxy_responses 1; proxy_timeout 5s; }
  server { listen ${ip}:${iperfPort}; proxy_pass iperf; proxy_timeout 60s; }
  server { listen ${ip}:${iperfPort} udp; proxy_pass iperf; proxy_timeout 10s; }
}`, () => dnsAnswers(target.dns));
  target.pids = nginx.pids;
  target.stop = nginx.stop;
  return target;
}
