// Debian's dnsmasq as a DNS backend on loopback: no upstream resolvers, no /etc/hosts, no cache,
// every name under `domain` answered with one A record (`answer`), UDP and TCP on ip:port, in the
// foreground, stopped by its PID. The UDP benchmark's backends and the end-to-end DNS tests use it.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { spawnManaged, waitUntil } from './spawn-managed.ts';

export function dnsmasqBinary(): string | undefined {
  for (const p of ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq']) {
    if (spawnSync(p, ['--version']).status === 0) return p;
  }
  return undefined;
}

export interface Dnsmasq { ip: string; port: number; answer: string; pid: number; stop(): Promise<void> }

/** A standard query for `name` (type A, recursion desired) with transaction id `id`. */
export function dnsQuery(name: string, id = 0x5359): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** One UDP query to ip:port, answered within `timeoutMs`. */
function answers(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    const done = (ok: boolean) => { clearTimeout(timer); s.close(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', () => done(true));
    s.send(dnsQuery('probe.invalid'), port, ip);
  });
}

export async function startDnsmasq(ip: string, port: number, domain: string, answer: string): Promise<Dnsmasq> {
  const bin = dnsmasqBinary();
  if (!bin) throw new Error('dnsmasq is not installed (apt-get install dnsmasq-base)');
  const proc = spawnManaged(bin, [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--no-poll', '--cache-size=0',
    '--bind-interfaces', `--listen-address=${ip}`, `--port=${port}`, `--address=/${domain}/${answer}`,
    // Root drops to nobody by default; a pid file would need a writable path; nothing to log.
    '--user=nobody', '--pid-file=', '--log-facility=/dev/null',
  ]);
  try {
    await waitUntil(`dnsmasq on ${ip}:${port}`, () => answers(ip, port, 300), 10_000, proc.running);
  } catch (err) {
    await proc.stop('SIGKILL', 1000);
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  }
  return { ip, port, answer, pid: proc.pid, stop: async () => { await proc.stop('SIGTERM', 3000); } };
}
