// The UDP loads, each run against one UDP target for one round, with the proxy's own CPU (from
// /proc) read before and after:
//   dns    dnsperf (Debian), 20 clients (20 flows through a proxy), up to 100 queries outstanding,
//          as fast as the target answers: queries/s, lost, average latency, CPU µs per query;
//   paced  dnsperf at a fixed rate (-Q) with every query's latency (-v): lost, p50/p99/max;
//   iperf  iperf3 -u (Debian), one stream of 1,400-byte datagrams sent as fast as the client can
//          (-b 0): Mbit/s delivered to the server, loss, CPU s per GB delivered.
import { execFile } from 'node:child_process';
import { withCpu, type Figure, type Measurement } from './loads.ts';
import type { UdpTarget } from './udp-targets.ts';
import type { Address } from './target.ts';

export interface UdpProfile {
  rounds: number;
  durationS: number;
  /** dnsperf clients (-c): the flows a proxy sees. */
  clients: number;
  /** The paced load's queries/s. */
  rate: number;
  queryFile: string;
}

export interface UdpLoad {
  key: string;
  title: string;
  figures: Figure[];
  run(t: UdpTarget, p: UdpProfile): Promise<Measurement>;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr.slice(-500)}`));
      else resolve(stdout);
    });
  });
}

export interface DnsperfResult { completed: number; lost: number; qps: number; avgLatencyUs: number; latenciesUs: number[] }

/** Parses dnsperf's statistics (and, with -v, one `> RCODE name type seconds` line per answered query). */
export function parseDnsperf(out: string): DnsperfResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const latenciesUs: number[] = [];
  for (const m of out.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) latenciesUs.push(Number(m[1]) * 1e6);
  return {
    completed: num(/Queries completed:\s+(\d+)/), lost: num(/Queries lost:\s+(\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/), avgLatencyUs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1e6, latenciesUs,
  };
}

export function runDnsperf(a: Address, p: UdpProfile, rate?: number): Promise<DnsperfResult> {
  const args = ['-s', a.host, '-p', String(a.port), '-d', p.queryFile, '-c', String(p.clients), '-q', '100', '-l', String(p.durationS), '-t', '2'];
  if (rate) args.push('-Q', String(rate), '-v');
  return run('dnsperf', args, (p.durationS + 20) * 1000).then(parseDnsperf);
}

export interface IperfResult { deliveredMbps: number; sentMbps: number; lostPercent: number; bytesDelivered: number }

export async function runIperfUdp(a: Address, durationS: number, bitrate = '0'): Promise<IperfResult> {
  const out = await run('iperf3', ['-c', a.host, '-p', String(a.port), '-u', '-b', bitrate, '-l', '1400', '-t', String(durationS), '-J', '--connect-timeout', '3000'], (durationS + 10) * 1000);
  const j = JSON.parse(out) as { end?: { sum_sent?: { bits_per_second: number }; sum_received?: { bits_per_second: number; bytes: number; lost_percent: number } } };
  const rx = j.end?.sum_received;
  if (!rx || !j.end?.sum_sent) throw new Error(`iperf3 reported no UDP summary: ${(JSON.parse(out) as { error?: string }).error ?? out.slice(0, 300)}`);
  return { deliveredMbps: rx.bits_per_second / 1e6, sentMbps: j.end.sum_sent.bits_per_second / 1e6, lostPercent: rx.lost_percent, bytesDelivered: rx.bytes };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

export const UDP_LOADS: UdpLoad[] = [
  {
    key: 'dns', title: 'DNS queries as fast as answered (dnsperf)',
    figures: [
      { key: 'qps', label: 'DNS queries/s', higherIsBetter: true, digits: 0 },
      { key: 'lost', label: 'DNS queries lost', higherIsBetter: false, digits: 0 },
      { key: 'avg', label: 'DNS average latency µs', higherIsBetter: false, digits: 0 },
      { key: 'cpu', label: 'DNS proxy CPU µs/query', higherIsBetter: false, digits: 1, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runDnsperf(t.dns, p));
      return { errors: 0, values: { qps: r.qps, lost: r.lost, avg: r.avgLatencyUs, cpu: (cpuS * 1e6) / r.completed } };
    },
  },
  {
    key: 'paced', title: 'DNS queries at a fixed rate (dnsperf -Q)',
    figures: [
      { key: 'lost', label: 'paced DNS queries lost', higherIsBetter: false, digits: 0 },
      { key: 'p50', label: 'paced DNS p50 µs', higherIsBetter: false, digits: 0 },
      { key: 'p99', label: 'paced DNS p99 µs', higherIsBetter: false, digits: 0 },
      { key: 'max', label: 'paced DNS max µs', higherIsBetter: false, digits: 0 },
      { key: 'cpu', label: 'paced DNS proxy CPU µs/query', higherIsBetter: false, digits: 1, cpu: true },
    ],
    async run(t, p) {
      const { result: r, cpuS } = await withCpu(t, () => runDnsperf(t.dns, p, p.rate));
      const s = r.latenciesUs.sort((a, b) => a - b);
      return { errors: 0, values: { lost: r.lost, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? NaN, cpu: (cpuS * 1e6) / r.completed } };
    },
  },
  {
    key: 'iperf', title: 'UDP throughput (iperf3 -u -b 0, 1,400-byte datagrams)',
    figures: [
      { key: 'mbps', label: 'iperf3 -u delivered Mbit/s', higherIsBetter: true, digits: 0 },
      { key: 'loss', label: 'iperf3 -u loss %', higherIsBetter: false, digits: 1 },
      { key: 'cpu', label: 'iperf3 -u proxy CPU s/GB delivered', higherIsBetter: false, digits: 2, cpu: true },
    ],
    async run(t, p) {
      // The previous test's datagrams still queued in a proxy must not reach this test's server first
      // (iperf3 would take their sender for its client and hang): let them drain.
      await new Promise((r) => setTimeout(r, 1000));
      const { result: r, cpuS } = await withCpu(t, () => runIperfUdp(t.iperf, p.durationS));
      return { errors: 0, values: { mbps: r.deliveredMbps, loss: r.lostPercent, cpu: cpuS / (r.bytesDelivered / 1e9) } };
    },
  },
];
