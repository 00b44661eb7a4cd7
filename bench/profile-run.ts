// A smaller harness than run.ts for measuring data-plane changes: the same backends and loads,
// only the targets asked for, CPU per unit printed per round, and optionally a V8 CPU profile of
// the switchyard process and its worker threads (NODE_OPTIONS=--cpu-prof, inherited by the child).
//   node bench/profile-run.ts --targets haproxy,switchyard-reuseport,micro-fast \
//     --loads keepalive,newconn --rounds 3 --duration 3 [--prof tmp/prof] [--workers 2]   (default 1, as the judged benchmark target)
//     [--threads]   (each round: the proxy's CPU split by thread name)
//     [--segments]  (each round: TCP segments and ACKs per unit, from /proc/net/snmp and netstat)
// `switchyard-MODE@DIR` runs the checkout in DIR (e.g. `git worktree add DIR HEAD~1`), so two commits
// are measured side by side in one run.
// `micro-VARIANT` targets run bench/splice-micro.ts (one thread, no control plane) with VARIANT
// (`micro-VARIANT@DIR`: another checkout's).
// `NAME+FLAG+FLAG` starts a Node target with those flags (`switchyard-reuseport+--max-semi-space-size=32`).
// Every process it starts is stopped by its PID at the end.
import { parseArgs } from 'node:util';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { statFields } from './cpu-seconds.ts';
import { randomLoopbackNet } from './free-port.ts';
import { LOADS, PROFILES, type Profile } from './loads.ts';
import { startHaproxy } from './start-haproxy.ts';
import { startNginxBackend } from './start-nginx-backend.ts';
import { startSink } from './start-sink.ts';
import { startSwitchyard } from './start-switchyard.ts';
import { runHttpLoad } from './http-load.ts';
import { spawnManaged } from './spawn-managed.ts';
import { probeTarget } from './probe-target.ts';
import type { Address, Target } from './target.ts';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: 'haproxy,switchyard-reuseport' },
    loads: { type: 'string', default: 'keepalive,newconn' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    prof: { type: 'string' },
    perf: { type: 'string' },
    strace: { type: 'string' },
    threads: { type: 'boolean', default: false },
    segments: { type: 'boolean', default: false },
  },
});
const profile: Profile = { ...PROFILES.quick, rounds: Number(args.rounds), durationS: Number(args.duration) };
const say = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

async function startMicro(variant: string, ip: string, backends: Address[], sink: Address, flags: string[], root?: string): Promise<Target> {
  const script = root ? resolve(root, 'bench/splice-micro.ts') : new URL('./splice-micro.ts', import.meta.url).pathname;
  const proc = spawnManaged(process.execPath, [...flags, script, variant, ip,
    backends.map((b) => `${b.host}:${b.port}`).join(','), `${sink.host}:${sink.port}`]);
  const ports = await new Promise<{ http: number; sink: number }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`splice-micro did not start:\n${proc.output()}`)), 10_000);
    createInterface({ input: proc.child.stdout! }).once('line', (l) => { clearTimeout(timer); res(JSON.parse(l)); });
  });
  const t: Target = {
    name: `micro-${variant}`, label: `micro ${variant}`, http: { host: ip, port: ports.http }, sink: { host: ip, port: ports.sink },
    pids: () => [proc.pid], stop: async () => { await proc.stop('SIGTERM', 5000); },
  };
  const problem = await probeTarget(t);
  if (problem) { await t.stop(); throw new Error(problem); }
  return t;
}

/** A target name (`switchyard-reuseport/2@/tmp/before`) as one file name. */
const fileSafe = (name: string) => name.replace(/[^\w.-]+/g, '_');

/** What the kernel counts for a target's processes, summed over `pids`: user and system clock
 *  ticks, minor page faults, context switches (voluntary, involuntary; every thread), and CPU ticks
 *  per thread name (`node`, `WorkerThread`, V8's and libuv's helpers; for --threads). Faults and
 *  switches are kernel time the system-call count does not show. */
interface ProcSample { user: number; sys: number; faults: number; vcs: number; ics: number; byThread: Map<string, number> }

function procSample(pids: number[]): ProcSample {
  const out: ProcSample = { user: 0, sys: 0, faults: 0, vcs: 0, ics: 0, byThread: new Map() };
  for (const pid of pids) {
    const f = statFields(`/proc/${pid}/stat`);
    if (!f) continue;
    out.user += Number(f[11]);
    out.sys += Number(f[12]);
    out.faults += Number(f[7]); // minflt, all threads
    let tids: string[] = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      const task = `/proc/${pid}/task/${tid}`;
      const tf = statFields(`${task}/stat`);
      let status = '';
      let name = '';
      try { status = readFileSync(`${task}/status`, 'utf8'); name = readFileSync(`${task}/comm`, 'utf8').trim(); } catch { continue; }
      if (tf) out.byThread.set(name, (out.byThread.get(name) ?? 0) + Number(tf[11]) + Number(tf[12]));
      out.vcs += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      out.ics += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
  }
  return out;
}

/** TCP counters of this network namespace (/proc/net/snmp, /proc/net/netstat): segments sent and
 *  ACKs by kind. They count every process on the loopback (load generator, backends, proxy), so a
 *  difference between targets per unit is a difference in the packets the proxy makes the machine
 *  exchange — kernel work that CPU per unit includes but the system-call count does not show. */
const TCP_COUNTERS = ['OutSegs', 'ActiveOpens', 'OutRsts', 'DelayedACKs', 'TCPPureAcks', 'TCPHPAcks', 'TCPAbortOnData'] as const;
function tcpCounters(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const file of ['/proc/net/snmp', '/proc/net/netstat']) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i].split(' ');
      const values = lines[i + 1].split(' ');
      names.forEach((n, j) => { if ((TCP_COUNTERS as readonly string[]).includes(n)) out[n] = Number(values[j]); });
    }
  }
  return out;
}

const stops: (() => Promise<void>)[] = [];
async function main(): Promise<void> {
  if (args.strace) mkdirSync(args.strace, { recursive: true });
  if (args.perf) {
    mkdirSync(args.perf, { recursive: true });
    // JIT-compiled JavaScript shows up in perf by name through /tmp/perf-PID.map.
    process.env.NODE_OPTIONS = '--perf-basic-prof';
  }
  const net = randomLoopbackNet();
  const b1 = await startNginxBackend('b1', `${net}.11`); stops.push(b1.stop);
  const b2 = await startNginxBackend('b2', `${net}.12`); stops.push(b2.stop);
  const sink = await startSink(`${net}.13`); stops.push(sink.stop);
  const http: Address[] = [{ host: b1.ip, port: b1.port }, { host: b2.ip, port: b2.port }];
  const sinkAddr = { host: sink.ip, port: sink.port };
  const targets: Target[] = [];
  let n = 20;
  for (const fullName of args.targets!.split(',')) {
    const ip = `${net}.${n++}`;
    // NAME+FLAG+FLAG… starts a Node target with those Node/V8 flags on its command line
    // (`switchyard-reuseport+--max-semi-space-size=32`), so a flag is compared side by side.
    const [name, ...flags] = fullName.split('+');
    let t: Target;
    if (name === 'haproxy') t = await startHaproxy(ip, http, sinkAddr);
    else if (name.startsWith('micro-')) {
      const saved = process.env.NODE_OPTIONS;
      if (args.prof) {
        mkdirSync(resolve(args.prof, name), { recursive: true });
        process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${resolve(args.prof, name)}`;
      }
      const [variant, root] = name.slice(6).split('@');
      try { t = await startMicro(variant, ip, http, sinkAddr, flags, root); t.name = fullName; t.label = fullName; } finally {
        if (saved === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = saved;
      }
    }
    else {
      // switchyard-MODE or switchyard-MODE/WORKERS, either optionally @CHECKOUT (another worktree)
      const [spec, root] = name.split('@');
      const [base, w] = spec.split('/');
      const accept = base === 'switchyard-transfer' ? 'transfer' : 'reuseport';
      const saved = process.env.NODE_OPTIONS;
      if (args.prof) {
        const dir = resolve(args.prof, accept);
        mkdirSync(dir, { recursive: true });
        process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${dir}`;
      }
      try {
        t = await startSwitchyard({ accept, root, execArgv: flags, workers: Number(w ?? args.workers), serviceCidr: `127.${100 + n}.${Math.floor(Math.random() * 250)}.0/24`, nodeAddress: ip }, http, sinkAddr);
        t.name = fullName;
        t.label = fullName;
      } finally {
        if (saved === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = saved;
      }
    }
    stops.push(t.stop);
    targets.push(t);
    say(`started ${t.label} ${t.http.host}:${t.http.port}`);
  }
  for (const t of targets) await runHttpLoad(t.http, '/', profile.keepAliveConnections, 1);
  const loads = LOADS.filter((l) => args.loads!.split(',').includes(l.key));
  const all: Record<string, number[]> = {};
  const allUser: Record<string, number[]> = {};
  // Per round, each target's CPU per unit over HAProxy's in the same round: steadier than either
  // figure alone on a box whose other work comes and goes.
  const ratios: Record<string, number[]> = {};
  const haproxyCpu: Record<string, number> = {};
  const roundCpu: Record<string, number> = {};
  for (let r = 0; r < profile.rounds; r++) {
    for (const load of loads) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]);
      for (const t of order) {
        const before = procSample(t.pids());
        const tcpBefore = args.segments ? tcpCounters() : null;
        // perf(1) samples user and kernel stacks of the proxy while the load runs (round 1 only).
        const perf = args.perf && r === 0 && t.pids().length
          ? spawnManaged('perf', ['record', '-F', '1999', '-g', '-o', resolve(args.perf, `${fileSafe(t.name)}-${load.key}.data`),
            '-p', t.pids().join(','), '--', 'sleep', String(profile.durationS)])
          : null;
        // strace -c counts the proxy's system calls during the load (round 1 only); slows it down.
        const strace = args.strace && r === 0 && t.pids().length
          ? spawnManaged('strace', ['-c', '-f', '-o', resolve(args.strace, `${fileSafe(t.name)}-${load.key}.txt`), '-p', t.pids().join(',')])
          : null;
        const m = await load.run(t, profile);
        if (perf) await perf.stop('SIGINT', 5000);
        if (strace) {
          await strace.stop('SIGINT', 5000);
          say(`${t.name} ${load.key}: ${m.values.cps ? `${(m.values.cps * profile.durationS).toFixed(0)} connections` : `${m.values.rps ? (m.values.rps * profile.durationS).toFixed(0) : '?'} requests`} under strace`);
        }
        const after = procSample(t.pids());
        const tcpAfter = tcpBefore ? tcpCounters() : null;
        if (args.threads) {
          // Where the process's CPU went, by thread name, as shares of the whole.
          const delta = [...after.byThread].map(([name, ticks]) => [name, ticks - (before.byThread.get(name) ?? 0)] as const);
          const total = delta.reduce((sum, [, d]) => sum + d, 0) || 1;
          say(`  threads ${t.name}: ${delta.filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]).map(([name, d]) => `${name} ${((100 * d) / total).toFixed(1)}%`).join(', ')}`);
        }
        const key = `${load.key} ${t.label}`;
        (all[key] ??= []).push(m.values.cpu);
        if (t.name === 'haproxy') haproxyCpu[`${r} ${load.key}`] = m.values.cpu;
        else (ratios[key] ??= []).push(NaN);
        roundCpu[`${r} ${key}`] = m.values.cpu;
        // The share of the proxy's CPU spent in the kernel (system calls, loopback TCP) vs user space.
        const user = after.user - before.user;
        const sys = after.sys - before.sys;
        m.values.usr = (m.values.cpu * user) / Math.max(1, user + sys);
        (allUser[key] ??= []).push(m.values.usr);
        // Per unit (request, connection or MB, as the load counts them): page faults and switches.
        const units = m.values.cps ? m.values.cps * profile.durationS : m.values.rps ? m.values.rps * profile.durationS : 0;
        if (units) {
          m.values.flt = (after.faults - before.faults) / units;
          m.values.vcs = (after.vcs - before.vcs) / units;
          m.values.ics = (after.ics - before.ics) / units;
          if (tcpBefore && tcpAfter) {
            say(`  tcp ${t.name} per unit: ${TCP_COUNTERS.map((c) => `${c} ${((tcpAfter[c] - tcpBefore[c]) / units).toFixed(2)}`).join(' ')}`);
          }
        }
        say(`[${r + 1}] ${key.padEnd(34)} ${Object.entries(m.values).map(([k, v]) => `${k}=${v.toFixed((k === 'cpu' && load.key === 'big') || ['flt', 'vcs', 'ics'].includes(k) ? 2 : 1)}`).join(' ')}${m.errors ? ` errors=${m.errors}` : ''}`);
      }
    }
  }
  for (const key of Object.keys(ratios)) {
    const load = key.split(' ')[0];
    ratios[key] = ratios[key].map((_, r) => roundCpu[`${r} ${key}`] / haproxyCpu[`${r} ${load}`]).filter(Number.isFinite);
  }
  for (const [k, v] of Object.entries(ratios)) {
    if (!v.length) continue;
    const s = [...v].sort((a, b) => a - b);
    say(`median ×H ${k.padEnd(34)} ${s[Math.floor(s.length / 2)].toFixed(2)} (all ${v.map((x) => x.toFixed(2)).join(' ')})`);
  }
  for (const [what, series] of [['cpu', all], ['usr', allUser]] as const) {
    for (const [k, v] of Object.entries(series)) {
      const s = [...v].sort((a, b) => a - b);
      say(`median ${what} ${k.padEnd(34)} ${s[Math.floor(s.length / 2)].toFixed(2)} (all ${v.map((x) => x.toFixed(1)).join(' ')})`);
    }
  }
}

main().catch((e) => { say(`failed: ${(e as Error).stack}`); process.exitCode = 1; })
  .finally(async () => { for (const s of stops.reverse()) await s().catch(() => {}); });
