// What the CPUs did while `switchyard bench` loaded the balancer: switchyard's process (all its
// threads, from its /metrics), the load generator (this CLI process, one JavaScript thread) and this
// machine's cores — and which of them, if any, was saturated. That says whether the requests/s
// measured switchyard, the load generator or the machine as a whole. CLI process.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { PromSample } from '../prometheus-text.ts';

export interface BenchCpu {
  /** switchyard's process CPU over the run, in cores (1 = one core busy the whole time). */
  switchyardCores: number | null;
  /** Its data-plane workers (the distinct `worker` labels of its /metrics). */
  workers: number | null;
  /** switchyard's CPU per request answered through it, µs. */
  switchyardUsPerRequest: number | null;
  /** The load generator (this process), in cores. */
  generatorCores: number;
  /** This machine's cores, and the share of their time that was busy. */
  machineCores: number;
  machineBusy: number;
  /** What was saturated, judged in this order; `round trip` when nothing was, the machine was
   *  mostly idle and the load ran unpaced (each connection waits for its answer, so connections ÷
   *  latency bounds requests/s); null otherwise. */
  limit: 'switchyard' | 'load generator' | 'machine' | 'round trip' | null;
  /** Concurrent connections of an unpaced load; null for a paced one. */
  unpacedConnections: number | null;
}

/** A thread busy at least this share of the time counts as saturated (a loaded event loop still
 *  idles a little between wake-ups). */
const SATURATED = 0.9;
/** The machine's cores count as saturated from this share: the window includes the load's start and
 *  end, and on a shared box other work and wake-up latency leave some idle time (a 2-core machine
 *  serving the demo with 64 connections measured 88-91 % here, 95 % in its steady middle). */
const MACHINE_SATURATED = 0.85;
/** Below this share of the machine busy, an unpaced load that saturated nothing was held back by
 *  the round trip, not by CPU. */
const MACHINE_IDLE = 0.6;

export const PROCESS_CPU_METRIC = 'process_cpu_seconds_total';
const WORKER_METRIC = 'switchyard_worker_connections_total';

/** This process's CPU time and this machine's idle and total core time, at one moment. */
export interface CpuSnapshot { processMicros: number; idleMs: number; totalMs: number; cores: number }

export function cpuSnapshot(): CpuSnapshot {
  const usage = process.cpuUsage();
  const all = cpus();
  const proc = procStatTimes();
  let idleMs = proc?.idle ?? 0;
  let totalMs = proc?.total ?? 0;
  if (!proc) {
    for (const c of all) {
      idleMs += c.times.idle;
      totalMs += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
    }
  }
  return { processMicros: usage.user + usage.system, idleMs, totalMs, cores: all.length };
}

/** Linux's /proc/stat, whose first line also has the softirq time (where loopback TCP work lands)
 *  and the time stolen by the hypervisor, which os.cpus() leaves out; idle includes iowait. In clock
 *  ticks: only their ratio is used. null elsewhere. */
function procStatTimes(): { idle: number; total: number } | null {
  let line: string;
  try { line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]; } catch { return null; }
  const f = line.split(/\s+/).slice(1, 9).map(Number);
  if (!line.startsWith('cpu ') || f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

function metric(samples: PromSample[] | null, name: string): number | null {
  const s = samples?.find((x) => x.name === name);
  return s === undefined ? null : s.value;
}

/** `before`/`after`: the server's /metrics just before and just after the load (null when it gave
 *  none); `g0`/`g1`: snapshots here at the same moments; `seconds`, `requests`: the load's;
 *  `unpacedConnections`: its connections when it ran as fast as answers came, null with --rate. */
export function benchCpu(before: PromSample[] | null, after: PromSample[] | null, g0: CpuSnapshot, g1: CpuSnapshot,
  seconds: number, requests: number, unpacedConnections: number | null): BenchCpu {
  const c0 = metric(before, PROCESS_CPU_METRIC);
  const c1 = metric(after, PROCESS_CPU_METRIC);
  const used = c0 !== null && c1 !== null && c1 >= c0 ? c1 - c0 : null;
  const workerLabels = new Set((after ?? []).filter((s) => s.name === WORKER_METRIC).map((s) => s.labels.worker));
  const workers = workerLabels.size > 0 ? workerLabels.size : null;
  const switchyardCores = used !== null && seconds > 0 ? used / seconds : null;
  const generatorCores = seconds > 0 ? (g1.processMicros - g0.processMicros) / 1e6 / seconds : 0;
  const total = g1.totalMs - g0.totalMs;
  const machineBusy = total > 0 ? Math.min(1, Math.max(0, 1 - (g1.idleMs - g0.idleMs) / total)) : 0;
  let limit: BenchCpu['limit'] = null;
  if (switchyardCores !== null && workers !== null && switchyardCores >= SATURATED * workers) limit = 'switchyard';
  else if (generatorCores >= SATURATED) limit = 'load generator';
  else if (machineBusy >= MACHINE_SATURATED) limit = 'machine';
  else if (unpacedConnections !== null && machineBusy < MACHINE_IDLE) limit = 'round trip';
  return {
    switchyardCores, workers,
    switchyardUsPerRequest: used !== null && requests > 0 ? (used * 1e6) / requests : null,
    generatorCores, machineCores: g1.cores, machineBusy, limit, unpacedConnections,
  };
}

/** The report's lines: what each used, then what limited requests/s when something did. */
export function formatBenchCpu(c: BenchCpu): string[] {
  const workers = `${c.workers} worker${c.workers === 1 ? '' : 's'}`;
  const sy = c.switchyardCores === null
    ? 'switchyard unknown (its /metrics has no process_cpu_seconds_total)'
    : `switchyard ${c.switchyardCores.toFixed(2)} cores${c.workers === null ? '' : ` (${workers})`}` +
      `${c.switchyardUsPerRequest === null ? '' : `, ${c.switchyardUsPerRequest.toFixed(0)} µs per request`}`;
  const lines = [`CPU:      ${sy}; load generator (this process) ${c.generatorCores.toFixed(2)} cores; ` +
    `this machine ${(c.machineBusy * 100).toFixed(0)}% busy (${c.machineCores} cores)`];
  if (c.limit === 'switchyard') {
    lines.push(`Limit:    switchyard was saturated (${workers} busy): requests/s is its ceiling with ${workers} (serve --workers)`);
  } else if (c.limit === 'load generator') {
    lines.push('Limit:    the load generator was saturated (one thread): requests/s is its ceiling, not switchyard\'s; run several `switchyard bench` at once, or a faster client');
  } else if (c.limit === 'machine') {
    lines.push(`Limit:    this machine's ${c.machineCores} cores were saturated: the load generator, switchyard and any backends here shared them, so requests/s is what the machine does as a whole`);
  } else if (c.limit === 'round trip') {
    lines.push(`Limit:    nothing was saturated: each of the ${c.unpacedConnections} connections waits for its answer, so requests/s is about connections ÷ latency; more --connections may raise it`);
  }
  return lines;
}
