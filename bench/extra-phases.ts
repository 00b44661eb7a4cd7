// The phases of bench/run.ts beyond the interleaved loads: idle-connection memory per proxy, the
// control-plane scaling curves, and the pick-cost micro benchmark (in its own process, so its JIT
// state and heap are its own).
import { execFile } from 'node:child_process';
import { runIdleLoad, type IdleLoadResult } from './idle-load.ts';
import type { Profile } from './loads.ts';
import type { PickCostTable } from './pick-cost.ts';
import { runServiceScaling, type NamedBackend, type ScalingResult } from './service-scaling.ts';
import type { Target } from './target.ts';

export interface PhaseReport {
  step(label: string): void;
  log(line: string): void;
}

export async function runIdlePhase(targets: Target[], p: Profile, net: string, report: PhaseReport): Promise<Record<string, IdleLoadResult>> {
  // Eight client addresses: 8,000 connections to one proxy address would fit one source's
  // ephemeral range, but not beside the TIME_WAIT a new-connection load leaves on the same 4-tuples.
  const sources = Array.from({ length: 8 }, (_, i) => `${net}.${101 + i}`);
  const out: Record<string, IdleLoadResult> = {};
  for (const t of targets) {
    try {
      const r = await runIdleLoad(t.sink, () => t.pids(), p.idleConnections, sources, { budgetS: 60 });
      out[t.name] = r;
      report.step(`idle      ${t.label.padEnd(20)} ${r.connections} held in ${r.openS.toFixed(1)} s, ` +
        `RSS ${(r.rssBefore / 2 ** 20).toFixed(1)} → ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB, ${Math.round(r.bytesPerConnection)} bytes/connection` +
        `${r.errors ? ` errors=${r.errors}` : ''}`);
    } catch (err) {
      report.step(`idle      ${t.label}: FAILED ${(err as Error).message}`);
    }
    // The proxy closes its upstream side after ours; let the sink's count fall before the next.
    await new Promise((r) => setTimeout(r, 500));
  }
  return out;
}

export async function runScalingPhase(p: Profile, b1: NamedBackend, b2: NamedBackend, net: string, report: PhaseReport): Promise<ScalingResult[]> {
  const out: ScalingResult[] = [];
  for (const [k, n] of p.scalingSizes.entries()) {
    // A /21 (2,046 ClusterIPs) per size, in 127.120–127.127: clear of the run's own /24 (127.1–90)
    // and of the load targets' CIDRs (127.96–111).
    const cidr = `127.${120 + Math.floor(Math.random() * 8)}.${8 * Math.floor(Math.random() * 32)}.0/21`;
    try {
      const r = await runServiceScaling(n, p.changeReps, cidr, `${net}.${40 + k}`, b1, b2);
      out.push(r);
      report.step(`scaling   ${n} Services: applied ${r.applyMs.toFixed(0)} ms, listening ${r.listenMs.toFixed(0)} ms; ` +
        `endpoint change: PUT ${r.change.ackMs.toFixed(1)} ms, API ${r.change.apiMs.toFixed(1)} ms, data plane ${r.change.dataMs.toFixed(1)} ms`);
    } catch (err) {
      report.step(`scaling   ${n} Services: FAILED ${(err as Error).message}`);
    }
  }
  return out;
}

export function runPickCost(picks: number, report: PhaseReport): Promise<PickCostTable | undefined> {
  const script = new URL('./pick-cost.ts', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, [script, String(picks), '--json'], { timeout: 15 * 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        if (err) throw err;
        const table = JSON.parse(line) as PickCostTable;
        const show = (alg: string) => table.nsPerPick[alg]?.map((x) => x.toFixed(0)).join('/') ?? '—';
        report.step(`pick cost ns at ${table.sizes.join('/')} endpoints: round-robin ${show('round-robin')}, random ${show('random')}, least-connections ${show('least-connections')}`);
        resolve(table);
      } catch (e) {
        report.step(`pick cost: FAILED ${(e as Error).message} ${stderr.slice(-500)}`);
        resolve(undefined);
      }
    });
  });
}
