// `npm run bench [-- --quick] [--rounds N] [--duration S] [--targets a,b] [--workers N]
//   [--parts loads,idle,scaling,picks,udp] [--idle-connections N] [--scaling-sizes 10,100] [--picks N]
//   [--udp-targets a,b] [--udp-rate N] [--udp-loads dns,paced,iperf]`
// Starts two nginx backends and the sink, then every target in front of them, and runs the loads
// interleaved (each round: every load on every target, target order rotated per round), then the
// idle-connection, scaling and pick-cost phases, then the UDP loads against their own backends and
// targets (udp-phase.ts). Parts left out with --parts are carried over from the last run's
// results (bench/results/latest.json), named as such. Progress on stderr, the Markdown (Targets table
// first) on stdout and in bench/results/latest.md (+ latest.json, latest.svg), and the results
// section of bench/README.md. Every process it starts is stopped by PID at the end.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { randomLoopbackNet } from './free-port.ts';
import { LOADS, PROFILES, type Measurement, type Profile } from './loads.ts';
import { probeTarget } from './probe-target.ts';
import type { BenchResults } from './render-results.ts';
import { writeResults } from './write-results.ts';
import { runIdlePhase, runPickCost, runScalingPhase } from './extra-phases.ts';
import { ensureFdLimit } from './fd-limit.ts';
import { createProgress } from './progress-bar.ts';
import { SERVER_DEFAULTS } from '../src/server/server-options.ts';
import { haproxyAvailable, startHaproxy } from './start-haproxy.ts';
import { startNginxBackend, type NginxBackend } from './start-nginx-backend.ts';
import { nginxStreamAvailable, startNginxStream } from './start-nginx-stream.ts';
import { startSink, type Sink } from './start-sink.ts';
import { startSwitchyard } from './start-switchyard.ts';
import { runHttpLoad } from './http-load.ts';
import { directTarget, type Address, type Target } from './target.ts';
import { nginxBinary } from './run-nginx.ts';
import { runUdpPhase, UDP_TARGETS, udpToolsMissing } from './udp-phase.ts';

// 'switchyard-transfer' runs only when asked for (--targets): the default accept mode is reuseport.
const ALL = ['direct', 'switchyard', 'switchyard-more', 'switchyard-transfer', 'haproxy', 'nginx'];
const DEFAULT_TARGETS = ['direct', 'switchyard', 'switchyard-more', 'haproxy', 'nginx'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' }, rounds: { type: 'string' }, duration: { type: 'string' },
    targets: { type: 'string' }, workers: { type: 'string' }, 'no-readme': { type: 'boolean' },
    parts: { type: 'string' }, 'idle-connections': { type: 'string' }, 'scaling-sizes': { type: 'string' }, picks: { type: 'string' },
    'udp-targets': { type: 'string' }, 'udp-rate': { type: 'string' }, 'udp-loads': { type: 'string' },
  },
});
const profile: Profile = { ...PROFILES[args.quick ? 'quick' : 'full'] };
if (args.rounds) profile.rounds = Math.max(1, Number(args.rounds));
if (args.duration) profile.durationS = Math.max(1, Number(args.duration));
if (args['idle-connections']) profile.idleConnections = Math.max(1, Number(args['idle-connections']));
if (args['scaling-sizes']) profile.scalingSizes = args['scaling-sizes'].split(',').map(Number).filter((n) => n > 0);
if (args.picks) profile.picks = Math.max(1000, Number(args.picks));
const ALL_PARTS = ['loads', 'idle', 'scaling', 'picks', 'udp'];
const parts = new Set(args.parts ? args.parts.split(',') : ALL_PARTS);
// The UDP targets: switchyard 2 workers in 'single' mode only when asked for (it is how the default
// --udp-sockets was chosen, not a default anyone runs).
const udpWanted = new Set(args['udp-targets'] ? args['udp-targets'].split(',') : UDP_TARGETS.filter((t) => t !== 'switchyard-single'));
const udpRate = Math.max(100, Number(args['udp-rate'] ?? 5000));
const udpLoads = args['udp-loads'] ? new Set(args['udp-loads'].split(',')) : undefined;
const wanted = new Set(args.targets ? args.targets.split(',') : DEFAULT_TARGETS);
// "switchyard" in the Targets table: the accept mode a user gets without --accept, with as many
// event-loop threads as HAProxy (`nbthread 1`) and nginx (`worker_processes 1`) get here: one data-
// plane worker (--workers to change it). 'switchyard-more' is the same with one worker per core
// (switchyard's default worker count, availableParallelism()), shown beside it, not judged.
const defaultTarget = 'switchyard';
const syWorkers = Math.max(1, Number(args.workers ?? 1));
const moreWorkers = Math.max(2, availableParallelism());

const bar = createProgress();
const progress = (line: string) => bar.log(line);

function versionOf(cmd: string, flag: string): string | undefined {
  const r = spawnSync(cmd, [flag]);
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return r.status === 0 ? /(\d+\.\d+\.\d+)/.exec(text)?.[1] : undefined;
}

const started: { label: string; stop(): Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  // All at once: each stop is bounded (SIGKILL after a grace period) and none depends on another.
  stopping ??= Promise.all(started.map(async (s) => {
    const t = performance.now();
    await s.stop().catch((e) => progress(`stop ${s.label} failed: ${(e as Error).message}`));
    const ms = performance.now() - t;
    if (ms > 2000) progress(`stopping ${s.label} took ${(ms / 1000).toFixed(1)} s`);
  })).then(() => {});
  return stopping;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { progress(`${sig}: stopping everything`); stopAll().then(() => process.exit(130)); });
}

const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadAvgBefore = loadAvg();
  // Each held idle connection is one fd here (the sink and the proxies are other processes).
  if (parts.has('idle')) {
    const limit = ensureFdLimit(profile.idleConnections + 1000);
    if (limit < profile.idleConnections + 1000) {
      profile.idleConnections = Math.max(100, limit - 1000);
      progress(`open-file limit ${limit} cannot be raised: holding ${profile.idleConnections} idle connections`);
    }
  }
  const net = randomLoopbackNet();
  // TCP backends for the loads, idle connections and scaling; their targets for the first two.
  const tcp = parts.has('loads') || parts.has('idle') || parts.has('scaling');
  const tcpTargets = parts.has('loads') || parts.has('idle');
  if (tcp && !nginxBinary()) throw new Error('nginx is needed for the backends (apt-get install nginx-light)');
  const backends: NginxBackend[] = [];
  const http: Address[] = [];
  let sinkAddr: Address = { host: '', port: 0 };
  if (tcp) {
    progress(`backends on ${net}.0/24; profile ${profile.name}: ${profile.rounds} round(s) × ${profile.durationS} s per load and target`);
    for (const [i, name] of ['b1', 'b2'].entries()) {
      const b = await startNginxBackend(name, `${net}.${11 + i}`);
      started.push({ label: `nginx backend ${name}`, stop: b.stop });
      backends.push(b);
    }
    const sink: Sink = await startSink(`${net}.13`);
    started.push({ label: 'sink', stop: sink.stop });
    http.push(...backends.map((b) => ({ host: b.ip, port: b.port })));
    sinkAddr = { host: sink.ip, port: sink.port };
    progress(`nginx backends ${http.map((a) => `${a.host}:${a.port}`).join(', ')}; sink ${sink.ip}:${sink.port}`);
  }

  const targets: Target[] = [];
  const settings: Record<string, string> = {
    direct: 'client to backend b1, no proxy',
    switchyard: `\`serve --workers ${syWorkers} --accept ${SERVER_DEFAULTS.accept}\`, round-robin, one process`,
    'switchyard-more': `\`serve --workers ${moreWorkers} --accept ${SERVER_DEFAULTS.accept}\`, round-robin, one process`,
    'switchyard-transfer': `\`serve --workers ${syWorkers} --accept transfer\`, round-robin, one process`,
    haproxy: '`mode tcp`, `balance roundrobin`, `nbthread 1`, no splice, no log',
    nginx: '`stream`, round-robin upstream, `worker_processes 1`, no log',
  };
  const skipped: BenchResults['skipped'] = [];
  const cidrBase = 96 + Math.floor(Math.random() * 16);
  const cidrThird = Math.floor(Math.random() * 250);
  const syLabel = `switchyard ${syWorkers} worker${syWorkers === 1 ? '' : 's'}`;
  const moreLabel = `switchyard ${moreWorkers} workers`;
  const starters: Record<string, { label: string; start: () => Promise<Target>; missing?: () => string | undefined }> = {
    direct: { label: 'direct', start: async () => directTarget(http[0], sinkAddr) },
    switchyard: { label: syLabel, start: () => startSwitchyard({ name: 'switchyard', label: syLabel, accept: SERVER_DEFAULTS.accept, workers: syWorkers, serviceCidr: `127.${cidrBase}.${cidrThird + 1}.0/24`, nodeAddress: `${net}.22` }, http, sinkAddr) },
    'switchyard-more': { label: moreLabel, start: () => startSwitchyard({ name: 'switchyard-more', label: moreLabel, accept: SERVER_DEFAULTS.accept, workers: moreWorkers, serviceCidr: `127.${cidrBase}.${cidrThird + 2}.0/24`, nodeAddress: `${net}.23` }, http, sinkAddr) },
    'switchyard-transfer': { label: 'switchyard transfer', start: () => startSwitchyard({ accept: 'transfer', workers: syWorkers, serviceCidr: `127.${cidrBase}.${cidrThird}.0/24`, nodeAddress: `${net}.21` }, http, sinkAddr) },
    haproxy: { label: 'HAProxy', start: () => startHaproxy(`${net}.20`, http, sinkAddr), missing: haproxyAvailable },
    nginx: { label: 'nginx stream', start: () => startNginxStream(`${net}.20`, http, sinkAddr), missing: nginxStreamAvailable },
  };
  for (const name of ALL) {
    if (!wanted.has(name) || !tcpTargets) continue;
    const s = starters[name];
    const missing = s.missing?.();
    if (missing) { skipped.push({ name, label: s.label, reason: missing }); progress(`skip ${s.label}: ${missing}`); continue; }
    try {
      const t = await s.start();
      started.push({ label: t.label, stop: t.stop });
      targets.push(t);
      progress(`started ${t.label} at ${t.http.host}:${t.http.port} (sink ${t.sink.host}:${t.sink.port})`);
    } catch (err) {
      skipped.push({ name, label: s.label, reason: (err as Error).message });
      progress(`could not start ${s.label}: ${(err as Error).message}`);
    }
  }

  // Steps: warm-ups, every load on every target in every round, then the other phases.
  // The quick profile holds idle connections only through the judged switchyard target: the
  // others' figures are not judged, and their ~6 s each would push the quick run past 3 minutes.
  const idleTargets = targets.filter((t) => t.name !== 'direct' &&
    !(profile.name === 'quick' && t.name.startsWith('switchyard-') && t.name !== defaultTarget));
  bar.plan(targets.length +
    (parts.has('loads') ? profile.rounds * LOADS.length * targets.length : 0) +
    (parts.has('idle') ? idleTargets.length : 0) + (parts.has('scaling') ? profile.scalingSizes.length : 0) + (parts.has('picks') ? 1 : 0));
  // Warm-up (not recorded): JIT for switchyard, connection pools and caches for all.
  for (const t of targets) {
    await runHttpLoad(t.http, '/', profile.keepAliveConnections, profile.warmupS);
    bar.step(`warm-up   ${t.label} (${profile.warmupS} s)`);
  }
  // Before the loads: a proxy's RSS then holds its warm-up heap but not the loads' peaks, so the
  // growth is the connections' own.
  const idle = parts.has('idle') ? await runIdlePhase(idleTargets, profile, net, bar) : undefined;

  const runs: BenchResults['runs'] = {};
  const broken = new Map<string, string>();
  for (let round = 0; parts.has('loads') && round < profile.rounds; round++) {
    for (const load of LOADS) {
      runs[load.key] ??= {};
      // Rotate the order every round so no target always runs first (or right after the heaviest).
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        if (broken.has(t.name)) { bar.step(`round ${round + 1}/${profile.rounds} ${load.key} ${t.label}: skipped (not carrying traffic)`); continue; }
        let m: Measurement;
        try {
          m = await load.run(t, profile);
        } catch (err) {
          const problem = (await probeTarget(t)) ?? (err as Error).message;
          bar.step(`round ${round + 1}/${profile.rounds} ${load.key} ${t.label}: FAILED ${(err as Error).message}; probe: ${problem}`);
          if (await probeTarget(t)) broken.set(t.name, `${load.title}, round ${round + 1}: ${problem}`);
          continue;
        }
        (runs[load.key][t.name] ??= []).push(m);
        const shown = load.figures.map((f) => `${f.key}=${Number.isFinite(m.values[f.key]) ? m.values[f.key].toFixed(f.digits) : '—'}`).join(' ');
        bar.step(`round ${round + 1}/${profile.rounds} ${load.key.padEnd(9)} ${t.label.padEnd(20)} ${shown}${m.errors ? ` errors=${m.errors}` : ''}`);
      }
    }
  }
  for (const [name, reason] of broken) {
    const t = targets.find((x) => x.name === name)!;
    skipped.push({ name, label: `${t.label} (partly)`, reason: `stopped carrying traffic during ${reason}` });
  }

  const scaling = parts.has('scaling')
    ? await runScalingPhase(profile, { ...http[0], name: backends[0].name }, { ...http[1], name: backends[1].name }, net, bar) : undefined;
  const pickCost = parts.has('picks') ? await runPickCost(profile.picks, bar) : undefined;
  // The UDP targets start only now, so the TCP loads never run beside them.
  const udpMissing = parts.has('udp') ? udpToolsMissing() : undefined;
  if (udpMissing) progress(`skip the UDP part: ${udpMissing}`);
  const udp = parts.has('udp') && !udpMissing ? await runUdpPhase({
    rounds: profile.rounds, durationS: Math.min(profile.durationS, 5), rate: udpRate, net, targets: udpWanted, loads: udpLoads, workers: syWorkers, moreWorkers,
    own: (label, stop) => started.push({ label, stop }), report: bar,
  }) : undefined;

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', kernel: release(), node: process.version,
      haproxy: versionOf('/usr/sbin/haproxy', '-v'), nginx: nginxBinary() ? versionOf(nginxBinary()!, '-v') : undefined,
      loadAvgBefore, loadAvgAfter: loadAvg(),
    },
    profile,
    targets: targets.map((t) => ({ name: t.name, label: t.label, settings: settings[t.name] })),
    skipped, runs, elapsedS: (performance.now() - t0) / 1000,
    switchyardDefault: targets.some((t) => t.name === defaultTarget) ? defaultTarget : undefined,
    idle, scaling, pickCost, udp,
  };
  carryOver(results);
  await stopAll();
  const md = writeResults(results, { readme: !args['no-readme'], json: true });
  process.stdout.write(md);
  bar.done();
  progress('wrote bench/results/latest.md, bench/results/latest.json, bench/results/latest.svg' + (args['no-readme'] ? '' : ' and the results in bench/README.md'));
}

/** Parts this run left out (--parts), taken from the last run's results with the date they were
 *  measured, so the Targets table and the README keep every figure and say which are older. */
function carryOver(res: BenchResults): void {
  if (ALL_PARTS.every((p) => parts.has(p))) return;
  let prev: BenchResults;
  try { prev = JSON.parse(readFileSync(new URL('./results/latest.json', import.meta.url), 'utf8')) as BenchResults; } catch { return; }
  const when = (part: string) => prev.carried?.[part] ?? prev.date;
  res.carried = {};
  if (!parts.has('loads') && Object.keys(prev.runs ?? {}).length) {
    Object.assign(res, { runs: prev.runs, targets: prev.targets, skipped: prev.skipped, switchyardDefault: prev.switchyardDefault });
    res.machine.haproxy ??= prev.machine.haproxy;
    res.carried.loads = when('loads');
  }
  if (!parts.has('idle') && prev.idle) { res.idle = prev.idle; res.carried.idle = when('idle'); }
  if (!parts.has('scaling') && prev.scaling) { res.scaling = prev.scaling; res.carried.scaling = when('scaling'); }
  if (!parts.has('picks') && prev.pickCost) { res.pickCost = prev.pickCost; res.carried.picks = when('picks'); }
  if (!parts.has('udp') && prev.udp) { res.udp = prev.udp; res.carried.udp = when('udp'); }
}

main().catch(async (err) => {
  progress(`bench failed: ${(err as Error).stack ?? err}`);
  await stopAll();
  process.exitCode = 1;
});
