// The TCP segments each proxy makes the machine exchange per proxied connection or request, by leg
// (client↔proxy, proxy↔backend) and kind, from a tcpdump capture on the loopback during a short
// load. On loopback every segment costs kernel time twice (the sender's transmit path and, in the
// same context, the receiver's softirq), so a segment a proxy saves is kernel CPU it saves.
//   node_modules/.bin/node bench/segment-count.ts [--targets haproxy,switchyard,nginx] [--duration 1]
// Needs tcpdump (apt-get install tcpdump) and root for the capture. Every process it starts is
// stopped by its PID at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runConnectLoad } from './connect-load.ts';
import { randomLoopbackNet } from './free-port.ts';
import { runHttpLoad } from './http-load.ts';
import { startHaproxy } from './start-haproxy.ts';
import { startNginxBackend } from './start-nginx-backend.ts';
import { startNginxStream } from './start-nginx-stream.ts';
import { startSink } from './start-sink.ts';
import { startSwitchyard } from './start-switchyard.ts';
import type { Address, Target } from './target.ts';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: 'haproxy,switchyard' },
    duration: { type: 'string', default: '1' },
  },
});

/** Segment kinds as tcpdump prints their flags: a FIN carrying the last data is one segment where
 *  a proxy that cannot hold the data back sends two (data, then FIN). */
function kind(flags: string, length: number): string {
  if (flags.includes('S')) return 'SYN';
  if (flags.includes('R')) return 'RST';
  if (flags.includes('F')) return length > 0 ? 'FIN+data' : 'FIN';
  return length > 0 ? 'data' : 'ACK';
}

/** Runs `load` while tcpdump writes the loopback's packets to a file; counts them per leg and kind. */
async function capture(front: Address, backend: Address, load: () => Promise<number>): Promise<{ units: number; counts: Map<string, number>; dropped: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-segments-'));
  const file = join(dir, 'lo.pcap');
  const dump = spawn('tcpdump', ['-i', 'lo', '-n', '-s', '96', '-B', '65536', '-w', file, `host ${front.host} or host ${backend.host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  dump.stderr.on('data', (d) => { err += d; });
  try {
    // tcpdump says "listening on lo" once the capture runs.
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`tcpdump did not start: ${err}`)), 10_000);
      dump.stderr.on('data', () => { if (err.includes('listening')) { clearTimeout(timer); res(); } });
      dump.once('exit', () => { clearTimeout(timer); rej(new Error(`tcpdump exited: ${err}`)); });
    });
    const units = await load();
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => dump.once('exit', r));
    dump.kill('SIGINT');
    await exited;
    const text = await new Promise<string>((res) => {
      const read = spawn('tcpdump', ['-r', file, '-n', '-S'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      read.stdout.on('data', (d) => { out += d; });
      read.once('exit', () => res(out));
    });
    const counts = new Map<string, number>();
    const frontEnd = `${front.host}.${front.port}`;
    const backEnd = `${backend.host}.${backend.port}`;
    for (const line of text.split('\n')) {
      const m = / IP (\S+) > (\S+): Flags \[([^\]]*)\].*length (\d+)/.exec(line);
      if (!m) continue;
      const to = m[2].replace(/:$/, '');
      const leg = m[1] === frontEnd ? 'proxy→client' : to === frontEnd ? 'client→proxy' : m[1] === backEnd ? 'backend→proxy' : to === backEnd ? 'proxy→backend' : '';
      if (!leg) continue;
      const k = `${leg} ${kind(m[3], Number(m[4]))}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return { units, counts, dropped: /(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? '?' };
  } finally {
    if (dump.exitCode === null) dump.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (spawnSync('tcpdump', ['--version']).error) {
    console.error('segment-count: tcpdump is missing (apt-get install tcpdump); it captures the loopback while a load runs');
    process.exitCode = 2;
    return;
  }
  const net = randomLoopbackNet();
  const stops: (() => Promise<void>)[] = [];
  try {
    const b1 = await startNginxBackend('b1', `${net}.11`);
    stops.push(b1.stop);
    const sink = await startSink(`${net}.13`);
    stops.push(sink.stop);
    const http: Address[] = [{ host: b1.ip, port: b1.port }];
    const sinkAddr = { host: sink.ip, port: sink.port };
    const durationS = Number(args.duration);
    let n = 20;
    for (const name of args.targets!.split(',')) {
      const ip = `${net}.${n++}`;
      const t: Target = name === 'haproxy' ? await startHaproxy(ip, http, sinkAddr)
        : name === 'nginx' ? await startNginxStream(ip, http, sinkAddr)
        : await startSwitchyard({ accept: 'reuseport', workers: 1, serviceCidr: `127.${100 + n}.${Math.floor(Math.random() * 250)}.0/24`, nodeAddress: ip }, http, sinkAddr);
      stops.push(t.stop);
      await runConnectLoad(t.http, 16, 1); // warm-up
      const loads: [string, () => Promise<number>][] = [
        ['new connection', async () => (await runConnectLoad(t.http, 16, durationS)).connections],
        ['keep-alive request', async () => (await runHttpLoad(t.http, '/', 32, durationS)).requests],
      ];
      for (const [unit, load] of loads) {
        const { units, counts, dropped } = await capture(t.http, http[0], load);
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        console.log(`\n${t.label}: ${(total / units).toFixed(2)} segments per ${unit} (${units} ${unit}s, ${dropped} packets dropped by the capture)`);
        for (const [k, v] of [...counts].sort()) if (v / units >= 0.01) console.log(`  ${k.padEnd(24)} ${(v / units).toFixed(2)}`);
      }
      await t.stop();
      stops.pop();
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
