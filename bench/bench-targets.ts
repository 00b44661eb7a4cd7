// The speed targets of the benchmark issue, each judged met / not met from one run's results.
// "switchyard" in a verdict is the target running switchyard's default accept mode.
import type { BenchResults } from './render-results.ts';
import { median, medians } from './render-results.ts';
import type { Measurement } from './loads.ts';

export interface TargetVerdict {
  figure: string;
  /** The bar, as written in the issue. */
  target: string;
  /** What was measured, formatted. */
  measured: string;
  /** undefined: not measured in this run (e.g. HAProxy missing). */
  met: boolean | undefined;
  /** The same ratio taken round by round (each round runs every target once, interleaved):
   *  median and range, formatted; undefined where the figure is not a ratio to HAProxy. */
  perRound?: string;
  /** For the chart: the measured ratio and the bar it is held to. */
  ratio?: number;
  limit?: number;
  higherIsBetter?: boolean;
}

/** 10 KB, read as 10,000 bytes (the stricter reading of "KB"). */
export const IDLE_BYTES_LIMIT = 10_000;
/** "Flat": the cost at 30,000 endpoints at most this multiple of the cost at 3. */
export const FLAT_LIMIT = 1.5;
export const LEAST_CONN_LIMIT = 2;
/** An endpoint change with 1,000 Services applied at most this multiple of the one with 10. */
export const CHANGE_GROWTH_LIMIT = 2;

const RATIO_TARGETS: { load: string; key: string; figure: string; limit: number; higherIsBetter: boolean }[] = [
  { load: 'keepalive', key: 'rps', figure: 'keep-alive requests/s', limit: 1.0, higherIsBetter: true },
  { load: 'big', key: 'mbps', figure: 'bulk MB/s (1 MiB transfers)', limit: 1.0, higherIsBetter: true },
  { load: 'tcp', key: 'mbps', figure: 'bulk MB/s (raw TCP)', limit: 1.0, higherIsBetter: true },
  { load: 'newconn', key: 'cps', figure: 'new connections/s', limit: 1.0, higherIsBetter: true },
  { load: 'rate', key: 'p99', figure: 'p99 latency at a fixed moderate rate', limit: 1.5, higherIsBetter: false },
  { load: 'keepalive', key: 'cpu', figure: 'CPU per keep-alive request', limit: 1.2, higherIsBetter: false },
  { load: 'newconn', key: 'cpu', figure: 'CPU per new connection', limit: 1.3, higherIsBetter: false },
  { load: 'big', key: 'cpu', figure: 'CPU per GB (1 MiB transfers)', limit: 1.2, higherIsBetter: false },
  { load: 'tcp', key: 'cpu', figure: 'CPU per GB (raw TCP)', limit: 1.2, higherIsBetter: false },
];

/** A ratio to two decimals, or three when two would round it onto its bar and hide which side of
 *  the bar it is on (1.505 against ≤ 1.5 reads "1.505×", not a "1.50×" judged not met). */
export function judgedRatio(r: number, limit: number): string {
  const two = r.toFixed(2);
  return Number(two) === limit && r !== limit ? r.toFixed(3) : two;
}

const num = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** switchyard's figure over HAProxy's in each round: a disturbance from other work on the box
 *  mostly hits one round, so the spread shows how much of a verdict is noise. */
function perRoundRatios(res: BenchResults, load: string, key: string, switchyard: string): string | undefined {
  return roundRatios(res.runs[load]?.[switchyard], res.runs[load]?.haproxy, key);
}

function roundRatios(sy: Measurement[] | undefined, h: Measurement[] | undefined, key: string): string | undefined {
  if (!sy || !h) return undefined;
  const ratios = sy.map((run, i) => (run.values[key] ?? NaN) / (h[i]?.values[key] ?? NaN)).filter(Number.isFinite);
  if (ratios.length === 0) return undefined;
  const sorted = [...ratios].sort((a, b) => a - b);
  return `${median(ratios).toFixed(2)}× (${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)})`;
}

export function evaluateTargets(res: BenchResults, switchyard: string): TargetVerdict[] {
  const med = medians(res);
  const out: TargetVerdict[] = [];
  for (const t of RATIO_TARGETS) {
    const target = `${t.higherIsBetter ? '≥' : '≤'} ${t.limit.toFixed(1)}× HAProxy`;
    const sy = med[t.load]?.[switchyard]?.[t.key];
    const h = med[t.load]?.haproxy?.[t.key];
    const r = sy !== undefined && h !== undefined && h > 0 ? sy / h : NaN;
    if (!Number.isFinite(r)) { out.push({ figure: t.figure, target, measured: 'not measured', met: undefined }); continue; }
    const digits = t.key === 'cpu' && t.load !== 'keepalive' && t.load !== 'newconn' ? 2 : t.key === 'cpu' ? 1 : 0;
    out.push({
      figure: t.figure, target, measured: `${judgedRatio(r, t.limit)}× (${num(sy, digits)} vs ${num(h, digits)})`,
      met: t.higherIsBetter ? r >= t.limit : r <= t.limit, ratio: r, limit: t.limit, higherIsBetter: t.higherIsBetter,
      perRound: perRoundRatios(res, t.load, t.key, switchyard),
    });
  }
  const idle = res.idle?.[switchyard];
  const idleTarget = `≤ ${num(IDLE_BYTES_LIMIT)} bytes of switchyard memory each`;
  if (idle && Number.isFinite(idle.bytesPerConnection)) {
    out.push({
      figure: `${num(res.profile.idleConnections ?? idle.connections)} idle connections`, target: idleTarget,
      measured: `${num(idle.bytesPerConnection)} bytes/connection (${num(idle.connections)} held)`,
      met: idle.bytesPerConnection <= IDLE_BYTES_LIMIT && idle.connections >= (res.profile.idleConnections ?? 0),
      ratio: idle.bytesPerConnection / IDLE_BYTES_LIMIT, limit: 1, higherIsBetter: false,
    });
  } else out.push({ figure: 'idle connections', target: idleTarget, measured: 'not measured', met: undefined });
  const pc = res.pickCost;
  for (const [alg, limit] of [['round-robin', FLAT_LIMIT], ['random', FLAT_LIMIT], ['least-connections', LEAST_CONN_LIMIT]] as const) {
    const target = `${limit === FLAT_LIMIT ? 'flat' : 'within 2× of flat'}: cost at ${num(30000)} ≤ ${limit}× cost at 3 endpoints`;
    const ns = pc?.nsPerPick[alg];
    if (!pc || !ns) { out.push({ figure: `pick cost, ${alg}`, target, measured: 'not measured', met: undefined }); continue; }
    const r = ns[ns.length - 1] / ns[0];
    out.push({
      figure: `pick cost, ${alg}`, target, measured: `${judgedRatio(r, limit)}× (${ns[0].toFixed(1)} → ${ns[ns.length - 1].toFixed(1)} ns)`,
      met: r <= limit, ratio: r, limit, higherIsBetter: false,
    });
  }
  const small = res.scaling?.find((s) => s.services === 10);
  const large = res.scaling?.find((s) => s.services === 1000);
  const changeTarget = `does not grow: with 1,000 Services ≤ ${CHANGE_GROWTH_LIMIT}× the time with 10`;
  if (small && large && small.change.dataMs > 0) {
    const r = large.change.dataMs / small.change.dataMs;
    out.push({
      figure: 'one endpoint change (to the data plane)', target: changeTarget,
      measured: `${r.toFixed(2)}× (${small.change.dataMs.toFixed(1)} → ${large.change.dataMs.toFixed(1)} ms)`,
      met: Number.isFinite(r) ? r <= CHANGE_GROWTH_LIMIT : false, ratio: r, limit: CHANGE_GROWTH_LIMIT, higherIsBetter: false,
    });
  } else out.push({ figure: 'one endpoint change (to the data plane)', target: changeTarget, measured: 'not measured', met: undefined });
  out.push(...evaluateUdpTargets(res));
  return out;
}

/** "switchyard" in the UDP verdicts: one data-plane worker, beside nginx's one worker process. */
export const UDP_JUDGED = 'switchyard';
const UDP_RATIO_TARGETS = [
  { load: 'dns', key: 'qps', figure: 'DNS queries/s (UDP, dnsperf)', limit: 1.2, higherIsBetter: true },
  { load: 'dns', key: 'cpu', figure: 'CPU per DNS query (UDP)', limit: 1.0, higherIsBetter: false },
  { load: 'iperf', key: 'mbps', figure: 'iperf3 -u delivered Mbit/s', limit: 1.0, higherIsBetter: true },
];

/** The UDP bars, each against nginx stream UDP (`proxy_responses 1`, one worker each). */
export function evaluateUdpTargets(res: BenchResults): TargetVerdict[] {
  const udp = res.udp;
  const out: TargetVerdict[] = [];
  const med = (load: string, target: string, key: string) => median((udp?.runs[load]?.[target] ?? []).map((m) => m.values[key]));
  for (const t of UDP_RATIO_TARGETS) {
    const target = `${t.higherIsBetter ? '≥' : '≤'} ${t.limit.toFixed(1)}× nginx stream UDP`;
    const sy = med(t.load, UDP_JUDGED, t.key);
    const n = med(t.load, 'nginx', t.key);
    const r = n > 0 ? sy / n : NaN;
    if (!Number.isFinite(r)) { out.push({ figure: t.figure, target, measured: 'not measured', met: undefined }); continue; }
    const digits = t.key === 'cpu' ? 1 : 0;
    out.push({
      figure: t.figure, target, measured: `${judgedRatio(r, t.limit)}× (${num(sy, digits)} vs ${num(n, digits)})`,
      met: t.higherIsBetter ? r >= t.limit : r <= t.limit, ratio: r, limit: t.limit, higherIsBetter: t.higherIsBetter,
      perRound: roundRatios(udp?.runs[t.load]?.[UDP_JUDGED], udp?.runs[t.load]?.nginx, t.key),
    });
  }
  const rate = udp?.profile.rate ?? 0;
  const lostTarget = `0 lost at ${num(rate)} queries/s, a rate nginx holds`;
  const lost = (target: string) => (udp?.runs.paced?.[target] ?? []).reduce((a, m) => a + (m.values.lost ?? 0), 0);
  const rounds = udp?.runs.paced?.[UDP_JUDGED]?.length ?? 0;
  if (!rounds || !udp?.runs.paced?.nginx?.length) out.push({ figure: 'DNS queries lost at a fixed rate (UDP)', target: lostTarget, measured: 'not measured', met: undefined });
  else if (lost('nginx') > 0) {
    out.push({ figure: 'DNS queries lost at a fixed rate (UDP)', target: lostTarget, measured: `not judged: nginx lost ${num(lost('nginx'))} at this rate (switchyard ${num(lost(UDP_JUDGED))})`, met: undefined });
  } else {
    out.push({
      figure: 'DNS queries lost at a fixed rate (UDP)', target: lostTarget,
      measured: `${num(lost(UDP_JUDGED))} lost in ${rounds} rounds of ${udp.profile.durationS} s (nginx 0)`, met: lost(UDP_JUDGED) === 0,
    });
  }
  return out;
}
