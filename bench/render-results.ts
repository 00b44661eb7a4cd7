// Turns the per-round measurements into medians and a Markdown table: one row per figure, one
// column per target, each cell `median (×HAProxy, ×direct)`.
import type { IdleLoadResult } from './idle-load.ts';
import { LOADS, type Measurement, type Profile } from './loads.ts';
import type { PickCostTable } from './pick-cost.ts';
import { renderIdle, renderPickCost, renderScaling, renderTargets } from './render-extras.ts';
import type { ScalingResult } from './service-scaling.ts';
import type { UdpResults } from './udp-phase.ts';
import { renderUdp } from './render-udp.ts';

export interface BenchResults {
  date: string;
  machine: { cpus: number; model: string; kernel: string; node: string; haproxy?: string; nginx?: string; loadAvgBefore: string; loadAvgAfter: string };
  profile: Profile;
  targets: { name: string; label: string; settings: string }[];
  skipped: { name: string; label: string; reason: string }[];
  /** runs[load][target] = one Measurement per round. */
  runs: Record<string, Record<string, Measurement[]>>;
  elapsedS: number;
  /** The target running switchyard's default accept mode: "switchyard" in the Targets table. */
  switchyardDefault?: string;
  /** One measurement per proxy target, by target name. */
  idle?: Record<string, IdleLoadResult>;
  scaling?: ScalingResult[];
  pickCost?: PickCostTable;
  /** The UDP loads (dnsperf, iperf3 -u) against their own targets. */
  udp?: UdpResults;
  /** Parts not measured in this run, carried over from an earlier one: part → the date it ran. */
  carried?: Record<string, string>;
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function medians(res: BenchResults): Record<string, Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const load of LOADS) {
    out[load.key] = {};
    for (const t of res.targets) {
      const ms = res.runs[load.key]?.[t.name] ?? [];
      out[load.key][t.name] = Object.fromEntries(load.figures.map((f) => [f.key, median(ms.map((m) => m.values[f.key]))]));
    }
  }
  return out;
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(x: number, base: number | undefined): string {
  return base !== undefined && Number.isFinite(x) && Number.isFinite(base) && base > 0 ? (x / base).toFixed(2) : '—';
}

export function renderMarkdown(res: BenchResults): string {
  const med = medians(res);
  const has = (name: string) => res.targets.some((t) => t.name === name);
  const lines: string[] = [];
  lines.push(`Run ${res.date}, \`${res.profile.name}\` profile (${res.profile.rounds} round(s) × ${res.profile.durationS} s per load and target), ` +
    `${res.elapsedS.toFixed(0)} s from start to the end of the last measurement.`);
  lines.push(`Machine: ${res.machine.cpus} × ${res.machine.model}, Linux ${res.machine.kernel}, Node ${res.machine.node}` +
    `${res.machine.haproxy ? `, HAProxy ${res.machine.haproxy}` : ''}${res.machine.nginx ? `, nginx ${res.machine.nginx}` : ''}; ` +
    'the load generator runs on the same cores. ' +
    `Load average (1/5/15 min) ${res.machine.loadAvgBefore} before the run, ${res.machine.loadAvgAfter} after it (the first is other work competing for the cores; the second includes the run itself).`);
  const carried = Object.entries(res.carried ?? {});
  if (carried.length) {
    lines.push('', `Carried over from earlier runs (not measured in this one): ${carried.map(([part, date]) => `${part} (${date})`).join(', ')}.`);
  }
  if (res.switchyardDefault) lines.push('', ...renderTargets(res, res.switchyardDefault));
  const ranLoads = Object.values(res.runs).some((byTarget) => Object.keys(byTarget).length > 0);
  if (ranLoads) {
    lines.push('', '### Loads', '');
    lines.push('Cells: median over rounds, then (ratio to HAProxy, ratio to direct). Latency and CPU: lower is better.');
    lines.push('');
    lines.push(`| figure | ${res.targets.map((t) => t.label).join(' | ')} |`);
    lines.push(`|---|${res.targets.map(() => '---:').join('|')}|`);
    for (const load of LOADS) {
      for (const f of load.figures) {
        const row = med[load.key];
        const cells = res.targets.map((t) => {
          const v = row[t.name][f.key];
          if (!Number.isFinite(v)) return '—';
          const h = has('haproxy') && t.name !== 'haproxy' ? ratio(v, row.haproxy?.[f.key]) : '';
          const d = has('direct') && t.name !== 'direct' && !f.cpu ? ratio(v, row.direct?.[f.key]) : '';
          const rs = [h && `${h}×H`, d && `${d}×D`].filter(Boolean).join(', ');
          return rs ? `${fmt(v, f.digits)} (${rs})` : fmt(v, f.digits);
        });
        lines.push(`| ${f.label} | ${cells.join(' | ')} |`);
      }
    }
  }
  const errorNotes: string[] = [];
  for (const load of LOADS) {
    for (const t of res.targets) {
      const errs = (res.runs[load.key]?.[t.name] ?? []).reduce((a, m) => a + m.errors, 0);
      if (errs) errorNotes.push(`${t.label} / ${load.title}: ${errs} failed request(s) or connection(s)`);
    }
  }
  lines.push('');
  lines.push('Settings: ' + res.targets.map((t) => `${t.label}: ${t.settings}`).join('; ') + '.');
  if (errorNotes.length) lines.push('', 'Errors during the run: ' + errorNotes.join('; ') + '.');
  else lines.push('', 'No request or connection failed during the run.');
  if (res.idle) lines.push('', ...renderIdle(res));
  if (res.scaling?.length) lines.push('', ...renderScaling(res.scaling));
  if (res.pickCost) lines.push('', ...renderPickCost(res.pickCost));
  if (res.udp) lines.push('', ...renderUdp(res.udp));
  for (const s of res.skipped) {
    // The first line says what failed; a child's last `error:` line (if any) says why.
    const why = s.reason.split('\n').filter((l) => /^error:|Error/.test(l)).pop();
    const first = s.reason.split('\n')[0];
    lines.push('', `Not measured: ${s.label} — ${first}${why && why !== first ? ` (${why.trim()})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export const RESULTS_START = '<!-- results:start (written by bench/run.ts) -->';
export const RESULTS_END = '<!-- results:end -->';

/** Replace the text between the markers; the rest of the README is left as written. */
export function replaceResultsSection(readme: string, section: string): string {
  const a = readme.indexOf(RESULTS_START);
  const b = readme.indexOf(RESULTS_END);
  if (a < 0 || b < a) return `${readme.trimEnd()}\n\n## Results\n\n${RESULTS_START}\n${section}${RESULTS_END}\n`;
  return `${readme.slice(0, a + RESULTS_START.length)}\n${section}${readme.slice(b)}`;
}
