// `switchyard bench SERVICE`: resolve the Service through the admin API, drive HTTP (autocannon) or
// raw TCP load at it, read from /metrics how the connections were spread over its endpoints, then
// run the same load straight at one endpoint to show the latency the balancer added. Runs in the
// CLI process; the load generators share it, so the figures include this process's own limits.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../model/api-error.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { BENCH_FLAGS, parseBenchOptions, type BenchOptions } from './bench/bench-options.ts';
import type { LoadResult, LoadSettings } from './bench/bench-load-result.ts';
import { benchCpu, cpuSnapshot, type CpuSnapshot } from './bench/bench-cpu.ts';
import { createProgress } from './bench/bench-progress.ts';
import { allSamples, parsePrometheusText, type PromSample } from './prometheus-text.ts';
import { benchReportJson, formatBenchReport, latencyAdded, type BenchReport } from './bench/bench-report.ts';
import { computeSpread, ENDPOINT_CONNECTIONS_METRIC, type Spread } from './bench/bench-spread.ts';
import { resolveBenchTarget, type BenchTarget } from './bench/bench-target.ts';
import type { AdminClient } from './admin-client.ts';
import type { CliContext, Verb } from './verb.ts';
import { startTimeline, type TimelineRecorder } from './bench/bench-timeline.ts';
import type { BenchTimeline } from '../web/bench-page-data.ts';
import { benchPageData, renderBenchHtml } from './bench/bench-html.ts';
import type { StatusDocument, StatusHistory } from '../model/status-document.ts';

const SETTLE_PAUSE_MS = 150;
const SETTLE_MAX_SCRAPES = 20;

type Scrape = { samples: PromSample[] } | { note: string };

async function scrapeMetrics(client: AdminClient): Promise<Scrape> {
  try {
    const res = await client.call('GET', '/metrics');
    if (typeof res.body !== 'string') return { note: 'the server answered /metrics with something other than Prometheus text' };
    return { samples: allSamples(parsePrometheusText(res.body)) };
  } catch (err) {
    if (err instanceof ApiError && err.httpStatus === 404) return { note: 'this server has no /metrics endpoint (an older switchyard?)' };
    if (err instanceof ApiError) return { note: `GET /metrics failed: ${err.message}` };
    return { note: (err as Error).message };
  }
}

function serviceTotal(samples: PromSample[], service: string): number {
  let sum = 0;
  for (const s of samples) if (s.name === ENDPOINT_CONNECTIONS_METRIC && s.labels.service === service) sum += s.value;
  return sum;
}

/**
 * Scrapes until the Service's connection counters stop moving (bounded): workers count a
 * connection when they pick its endpoint, which can trail the client's view of the connect by a
 * moment, and the reachability probe before the run must not land inside the measured window.
 */
async function settledScrape(client: AdminClient, service: string): Promise<Scrape> {
  let prev = await scrapeMetrics(client);
  for (let i = 0; i < SETTLE_MAX_SCRAPES && 'samples' in prev; i++) {
    await sleep(SETTLE_PAUSE_MS);
    const next = await scrapeMetrics(client);
    if (!('samples' in next)) return next;
    const same = serviceTotal(next.samples, service) === serviceTotal(prev.samples, service);
    prev = next;
    if (same) break;
  }
  return prev;
}

/** What the server sampled during the run (its status history since `since`), or null from a
 *  server that keeps none. */
async function serverHistory(client: AdminClient, service: string, since: number): Promise<StatusHistory | null> {
  try {
    const res = await client.call('GET', '/status.json', undefined, { since: String(Math.max(0, since - 1500)), service });
    return (res.body as StatusDocument)?.history ?? null;
  } catch {
    return null;
  }
}

/** The load's result, and CPU snapshots taken right as it started and ended (after the driver's import). */
interface LoadRun { result: LoadResult; start: CpuSnapshot; end: CpuSnapshot }

async function runLoad(ctx: CliContext, opts: BenchOptions, host: string, port: number, label: string, timeline?: TimelineRecorder): Promise<LoadRun> {
  const settings: LoadSettings = {
    mode: opts.mode, host, port, connections: opts.connections, durationSeconds: opts.durationSeconds,
    rate: opts.rate, path: opts.path, closeEachRequest: opts.closeEachRequest,
  };
  const progress = createProgress({ write: ctx.err, isTTY: process.stderr.isTTY === true, label, durationSeconds: opts.durationSeconds });
  // Loaded here, not at the top: hdr-histogram-js and autocannon would add ~150 ms to every verb.
  const run = opts.mode === 'http' ? (await import('./bench/bench-http-load.ts')).runHttpLoad : (await import('./bench/bench-tcp-load.ts')).runTcpLoad;
  const start = cpuSnapshot();
  const result = await run(settings, (t, n) => progress.update(t, n), timeline);
  const end = cpuSnapshot();
  progress.done(result.seconds, result.requests);
  return { result, start, end };
}

function spreadOf(before: Scrape, after: Scrape, target: BenchTarget): { spread: Spread | null; note?: string } {
  if (!('samples' in before)) return { spread: null, note: before.note };
  if (!('samples' in after)) return { spread: null, note: after.note };
  const sp = target.servicePort;
  // The server labels a port `name-or-number/PROTOCOL`; the bare forms are accepted as well.
  const portLabels = [`${sp.name || sp.port}/${sp.protocol ?? 'TCP'}`, sp.name, String(sp.port)].filter((x): x is string => !!x);
  const known = target.endpoints.filter((e) => e.ready).map((e) => ({ endpoint: joinHostPort(e.ip, e.port), pod: e.pod }));
  const spread = computeSpread(before.samples, after.samples, { service: target.service, portLabels }, known);
  if (spread.total === 0) {
    const listed = after.samples.some((s) => s.name === ENDPOINT_CONNECTIONS_METRIC && s.labels.service === target.service);
    return { spread, note: listed ? undefined : `/metrics has no ${ENDPOINT_CONNECTIONS_METRIC} series for ${target.service}` };
  }
  return { spread };
}

export const benchVerb: Verb = {
  name: 'bench',
  summary: 'Load-test a Service and report throughput, latency and how evenly it was balanced',
  help: `Drive load at a Service (resolved through the admin API) and report requests/s, latency
percentiles, errors, how the connections were spread across its endpoints (counts from the
server's /metrics and Jain's fairness index, 1.0 = perfectly even), and the latency the balancer
added compared with the same load sent straight to the first ready endpoint. It also reports the
CPU that switchyard (from its /metrics), this load generator and this machine used, and which of
them was saturated, so you know whose limit the requests/s figure is.

Examples:
  # 10 s of HTTP keep-alive load over 10 connections
  switchyard bench nginx-svc

  # raw TCP, a new connection per request, 200 requests/s, no direct comparison
  switchyard bench echo --mode tcp --close --rate 200 --no-direct -o json

Options:
  --port NAME|NUMBER   the Service port to load (required when the Service has several)
  -c, --connections N  concurrent connections (default 10)
  -d, --duration S     seconds of load per run (default 10)
  -r, --rate R         requests per second over all connections (default: as fast as possible)
  --mode http|tcp      HTTP GET requests through autocannon (default), or raw TCP: send a
                       17-byte line, take the first bytes back as the reply (an echo server)
  --path /             HTTP request path (http mode, default /)
  --close              tcp mode: open a new connection for every request
  --direct             also run the same load straight at one endpoint (the default)
  --no-direct          skip the direct run
  -o, --output json    print the report as JSON (progress stays on stderr)
  --report FILE.html   also write a self-contained HTML report: requests/s and latency over
                       the run, the latency histogram, the spread over endpoints against the
                       even share, switchyard's and the load generator's CPU, what limited it

Usage:
  switchyard bench SERVICE [-n NS] [--port NAME|NUMBER] [--connections N] [--duration S] [--rate R] [--mode http|tcp] [--path /] [--no-direct] [-o json] [--report FILE.html]
`,
  options: BENCH_FLAGS,
  async run(ctx, flags, args) {
    const opts = parseBenchOptions(flags, args, ctx.namespace);
    const target = await resolveBenchTarget(ctx.client, opts.namespace, opts.service, opts.port);
    const before = await settledScrape(ctx.client, target.service);
    const startedAt = Date.now();
    const recorder = opts.report !== undefined ? startTimeline() : undefined;
    let timeline: BenchTimeline | undefined;
    let balancer: LoadResult;
    let start: CpuSnapshot;
    let end: CpuSnapshot;
    try {
      ({ result: balancer, start, end } = await runLoad(ctx, opts, target.host, target.port, 'balancer', recorder));
    } finally {
      timeline = recorder?.finish();
    }
    // switchyard's CPU from a scrape at once, before the settling ones add idle time to the window.
    const cpuAfter = await scrapeMetrics(ctx.client);
    const after = await settledScrape(ctx.client, target.service);
    const samplesOf = (s: Scrape) => ('samples' in s ? s.samples : null);
    const cpu = benchCpu(samplesOf(before), samplesOf(cpuAfter), start, end, balancer.seconds, balancer.requests,
      opts.rate === undefined ? opts.connections : null);
    const { spread, note } = spreadOf(before, after, target);
    let direct: BenchReport['direct'] = null;
    if (opts.direct) {
      const first = target.endpoints.find((e) => e.ready)!;
      direct = { endpoint: joinHostPort(first.ip, first.port), result: (await runLoad(ctx, opts, first.ip, first.port, 'direct')).result };
    }
    const report: BenchReport = {
      service: target.service,
      port: { name: target.servicePort.name, port: target.servicePort.port },
      target: { host: target.host, port: target.port, via: target.via },
      mode: opts.mode,
      settings: {
        connections: opts.connections, durationSeconds: opts.durationSeconds, rate: opts.rate ?? null,
        path: opts.mode === 'http' ? opts.path : null, closeEachRequest: opts.closeEachRequest,
      },
      balancer, cpu, spread, ...(note ? { spreadNote: note } : {}),
      direct, latencyAdded: direct ? latencyAdded(balancer, direct.result) : null,
    };
    const text = formatBenchReport(report);
    ctx.out(opts.output === 'json' ? benchReportJson(report) : text);
    if (opts.report !== undefined && timeline) {
      const sp = target.servicePort;
      const history = await serverHistory(ctx.client, target.service, startedAt);
      const data = benchPageData(report, timeline, history, `${sp.name || sp.port}/${sp.protocol ?? 'TCP'}`);
      writeFileSync(opts.report, await renderBenchHtml(report, text, data, new Date(startedAt)));
      ctx.err(`wrote the HTML report to ${opts.report}${history ? '' : ' (the server keeps no history: no server-side charts)'}\n`);
    }
    if (balancer.requests === 0) {
      ctx.err(`error: no request through ${target.service} got an answer (${balancer.errors} errors); is anything listening on its endpoints?\n`);
      return 1;
    }
    return 0;
  },
};
