// The UDP part of bench/run.ts: two dnsmasq backends (each answering every name) and an iperf3
// server on the run's loopback net, the UDP targets in front of them, and the UDP loads in
// interleaved rounds (each round: every load on every target, the order rotated per round), as the
// TCP loads are run. switchyard is judged with one data-plane worker beside nginx's one worker
// process; 2 workers are shown in both UDP socket modes (--udp-sockets), which is how the default
// mode was chosen (bench/README.md).
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './free-port.ts';
import type { Measurement } from './loads.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';
import { dnsmasqBinary, startDnsmasq } from './start-dnsmasq.ts';
import type { Address } from './target.ts';
import { nginxStreamAvailable } from './start-nginx-stream.ts';
import { runDnsperf, UDP_LOADS, type UdpProfile } from './udp-loads.ts';
import { directUdpTarget, startUdpNginx, startUdpSwitchyard, type UdpTarget } from './udp-targets.ts';
import { spawnSync } from 'node:child_process';

export const UDP_TARGETS = ['direct', 'switchyard', 'switchyard-more', 'switchyard-single', 'nginx'];

export interface UdpResults {
  profile: Omit<UdpProfile, 'queryFile'>;
  targets: { name: string; label: string; settings: string }[];
  skipped: { name: string; label: string; reason: string }[];
  /** runs[load][target] = one Measurement per round. */
  runs: Record<string, Record<string, Measurement[]>>;
  elapsedS: number;
}

export interface UdpPhaseOptions {
  rounds: number;
  durationS: number;
  rate: number;
  net: string;
  targets: Set<string>;
  /** The UDP loads to run (default all). */
  loads?: Set<string>;
  /** Workers of the judged switchyard target (default 1) and of the others. */
  workers: number;
  moreWorkers: number;
  /** Registers a started process for the run's clean-up (Ctrl-C included). */
  own(label: string, stop: () => Promise<void>): void;
  report: { plan(extra: number): void; step(line: string): void; log(line: string): void };
}

function tcpOpen(a: Address): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(a.port, a.host);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Why the UDP part cannot run here, or undefined. */
export function udpToolsMissing(): string | undefined {
  const missing = [!dnsmasqBinary() && 'dnsmasq (dnsmasq-base)', spawnSync('dnsperf', ['-h']).error && 'dnsperf',
    spawnSync('iperf3', ['--version']).error && 'iperf3'].filter(Boolean);
  return missing.length ? `missing ${missing.join(', ')} (apt-get install ${missing.map((m) => String(m).replace(/.*\((.*)\)/, '$1')).join(' ')})` : undefined;
}

export async function runUdpPhase(o: UdpPhaseOptions): Promise<UdpResults> {
  const t0 = performance.now();
  const queryFile = join(tmpdir(), `bench-dns-queries-${process.pid}.txt`);
  writeFileSync(queryFile, Array.from({ length: 10_000 }, (_, i) => `q${i}.bench.test A`).join('\n') + '\n');
  o.own('DNS query file', async () => rmSync(queryFile, { force: true }));
  const profile: UdpProfile = { rounds: o.rounds, durationS: o.durationS, clients: 20, rate: o.rate, queryFile };

  const dnsPort = await freePort(`${o.net}.31`);
  const dns: Address[] = [];
  for (const [i, answer] of ['10.0.0.1', '10.0.0.2'].entries()) {
    const d = await startDnsmasq(`${o.net}.${31 + i}`, dnsPort, 'bench.test', answer);
    o.own(`dnsmasq ${i + 1}`, d.stop);
    dns.push({ host: d.ip, port: d.port });
  }
  // One iperf3 server per target: a proxy still forwarding the datagrams it queued during one test
  // would hand them to the next test's server as its first datagram, which iperf3 then takes for
  // the client, and that test hangs.
  const iperfServer = async (name: string): Promise<Address> => {
    const a: Address = { host: `${o.net}.33`, port: await freePort(`${o.net}.33`) };
    const server = spawnManaged('iperf3', ['-s', '-B', a.host, '-p', String(a.port)]);
    o.own(`iperf3 server for ${name}`, async () => { await server.stop('SIGTERM', 3000); });
    await waitUntil('iperf3 server', () => tcpOpen(a), 10_000, server.running);
    return a;
  };
  o.report.log(`UDP backends: dnsmasq ${dns.map((d) => `${d.host}:${d.port}`).join(', ')}; an iperf3 server per target on ${o.net}.33`);

  const label = (n: number, mode: string) => `switchyard ${n} worker${n === 1 ? '' : 's'}${mode === 'single' ? ' single' : ''}`;
  const cidr = () => `127.${96 + Math.floor(Math.random() * 16)}.${Math.floor(Math.random() * 250)}.0/24`;
  const starters: Record<string, { label: string; settings: string; start: (iperf: Address) => Promise<UdpTarget>; missing?: () => string | undefined }> = {
    direct: { label: 'direct', settings: 'dnsperf to dnsmasq 1, iperf3 to its server; no proxy', start: async (iperf) => directUdpTarget(dns[0], iperf) },
    switchyard: {
      label: label(o.workers, 'per-worker'), settings: `\`serve --workers ${o.workers}\`, round-robin, a UDP Service for each`,
      start: (iperf) => startUdpSwitchyard({ name: 'switchyard', label: label(o.workers, 'per-worker'), workers: o.workers, udpSockets: 'per-worker', serviceCidr: cidr(), nodeAddress: `${o.net}.41` }, dns, iperf),
    },
    'switchyard-more': {
      label: label(o.moreWorkers, 'per-worker'), settings: `\`serve --workers ${o.moreWorkers} --udp-sockets per-worker\``,
      start: (iperf) => startUdpSwitchyard({ name: 'switchyard-more', label: label(o.moreWorkers, 'per-worker'), workers: o.moreWorkers, udpSockets: 'per-worker', serviceCidr: cidr(), nodeAddress: `${o.net}.42` }, dns, iperf),
    },
    'switchyard-single': {
      label: label(o.moreWorkers, 'single'), settings: `\`serve --workers ${o.moreWorkers} --udp-sockets single\``,
      start: (iperf) => startUdpSwitchyard({ name: 'switchyard-single', label: label(o.moreWorkers, 'single'), workers: o.moreWorkers, udpSockets: 'single', serviceCidr: cidr(), nodeAddress: `${o.net}.43` }, dns, iperf),
    },
    nginx: {
      label: 'nginx stream', settings: '`listen … udp`, round-robin upstream, `proxy_responses 1` (DNS), `worker_processes 1`, no log',
      start: (iperf) => startUdpNginx(`${o.net}.40`, dns, iperf), missing: nginxStreamAvailable,
    },
  };
  const targets: UdpTarget[] = [];
  const results: UdpResults = { profile: { rounds: o.rounds, durationS: o.durationS, clients: profile.clients, rate: o.rate }, targets: [], skipped: [], runs: {}, elapsedS: 0 };
  for (const name of UDP_TARGETS) {
    if (!o.targets.has(name)) continue;
    const s = starters[name];
    const missing = s.missing?.();
    if (missing) { results.skipped.push({ name, label: s.label, reason: missing }); continue; }
    try {
      const t = await s.start(await iperfServer(name));
      o.own(t.label, t.stop);
      targets.push(t);
      results.targets.push({ name, label: t.label, settings: s.settings });
      o.report.log(`started ${t.label}: DNS ${t.dns.host}:${t.dns.port}, iperf3 ${t.iperf.host}:${t.iperf.port}`);
    } catch (err) {
      results.skipped.push({ name, label: s.label, reason: (err as Error).message });
      o.report.log(`could not start ${s.label}: ${(err as Error).message}`);
    }
  }
  const loads = UDP_LOADS.filter((l) => !o.loads || o.loads.has(l.key));
  o.report.plan(targets.length + o.rounds * loads.length * targets.length);
  for (const t of targets) {
    await runDnsperf(t.dns, { ...profile, durationS: 1 });
    o.report.step(`udp warm-up ${t.label} (1 s)`);
  }
  for (let round = 0; round < o.rounds; round++) {
    for (const load of loads) {
      results.runs[load.key] ??= {};
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        try {
          const m = await load.run(t, profile);
          (results.runs[load.key][t.name] ??= []).push(m);
          const shown = load.figures.map((f) => `${f.key}=${Number.isFinite(m.values[f.key]) ? m.values[f.key].toFixed(f.digits) : '—'}`).join(' ');
          o.report.step(`round ${round + 1}/${o.rounds} ${load.key.padEnd(6)} ${t.label.padEnd(26)} ${shown}`);
        } catch (err) {
          o.report.step(`round ${round + 1}/${o.rounds} ${load.key} ${t.label}: FAILED ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  results.elapsedS = (performance.now() - t0) / 1000;
  return results;
}
