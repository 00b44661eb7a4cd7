// The parts of the results beyond the load table: the Targets verdicts, idle-connection memory, the
// control-plane scaling curves and the pick-cost micro benchmark, each as Markdown lines.
import { evaluateTargets } from './bench-targets.ts';
import type { PickCostTable } from './pick-cost.ts';
import type { BenchResults } from './render-results.ts';
import type { ScalingResult } from './service-scaling.ts';

const num = (x: number, digits = 0) => (Number.isFinite(x)
  ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

export function renderTargets(res: BenchResults, switchyard: string): string[] {
  const label = res.targets.find((t) => t.name === switchyard)?.label ?? switchyard;
  const verdicts = evaluateTargets(res, switchyard);
  const met = verdicts.filter((v) => v.met === true).length;
  const judged = verdicts.filter((v) => v.met !== undefined).length;
  return [
    '### Targets',
    '',
    `"switchyard" is ${label} (the default accept mode; as many event-loop threads as HAProxy's \`nbthread 1\`); ratios are to HAProxy in this run. ` +
      'The verdict judges the ratio of the two medians; "per round" is the same ratio taken in each round, median and range, for how much of it is noise. ' +
      `${met} of ${judged} judged targets met${judged < verdicts.length ? `, ${verdicts.length - judged} not measured` : ''}. ` +
      'Chart: [results/latest.svg](results/latest.svg).',
    '',
    '| figure | target | measured | per round | verdict |',
    '|---|---|---|---|---|',
    ...verdicts.map((v) => `| ${v.figure} | ${v.target} | ${v.measured} | ${v.perRound ?? '—'} | ${v.met === undefined ? 'not measured' : v.met ? '**met**' : '**not met**'} |`),
  ];
}

export function renderIdle(res: BenchResults): string[] {
  const rows = res.targets.filter((t) => res.idle?.[t.name]).map((t) => {
    const r = res.idle![t.name];
    return `| ${t.label} | ${num(r.connections)}${r.errors ? ` (${num(r.errors)} failed)` : ''} | ${num(r.openS, 1)} | ` +
      `${num(r.rssBefore / 2 ** 20, 1)} | ${num(r.rssAfter / 2 ** 20, 1)} | ${num(r.bytesPerConnection)} |`;
  });
  return [
    '### Idle connections',
    '',
    `${num(res.profile.idleConnections)} connections opened through each proxy to the sink (a Node process that accepts and holds), ` +
      'each pinged once end to end, then held silent; RSS of the proxy\'s processes (VmRSS from /proc/PID/status) ' +
      'before the first and 1 s after the last, the difference divided by the connections held.',
    '',
    '| proxy | connections held | open s | RSS before MiB | RSS after MiB | bytes/connection |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

export function renderScaling(rows: ScalingResult[]): string[] {
  return [
    '### Control-plane scaling',
    '',
    'A fresh `switchyard serve` (default accept mode and workers, no default probe) per size. Set-up: N Services PUT through ' +
      'the admin API (8 requests in flight), all selecting one Pod; "applied" when the last PUT returned, "listening" when every ' +
      'ClusterIP accepted a TCP connection. Endpoint change: one Pod PUT that adds a second backend to another Service; ms from the ' +
      `PUT until it returned, until \`GET endpoints\` listed it, and until a connection through the ClusterIP reached it (median of ${rows[0]?.change.reps ?? 0}).`,
    '',
    '| Services | applied ms | all listening ms | per Service ms | change: PUT ms | change: endpoints API ms | change: data plane ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${num(r.services)} | ${num(r.applyMs)} | ${num(r.listenMs)} | ${num(r.listenMs / r.services, 1)} | ` +
      `${num(r.change.ackMs, 1)} | ${num(r.change.apiMs, 1)} | ${num(r.change.dataMs, 1)} |`),
  ];
}

export function renderPickCost(pc: PickCostTable): string[] {
  return [
    '### Pick cost',
    '',
    `\`bench/pick-cost.ts\`: ns per \`pick()\` on one thread, the fastest of 5 runs of ${num(pc.picks)} picks, the sizes timed in turns, by endpoint count.`,
    '',
    `| algorithm | ${pc.sizes.map((n) => num(n)).join(' | ')} |`,
    `|---|${pc.sizes.map(() => '---:').join('|')}|`,
    ...Object.entries(pc.nsPerPick).map(([alg, ns]) => `| ${alg} | ${ns.map((x) => num(x, 1)).join(' | ')} |`),
  ];
}
