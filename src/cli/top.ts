// `switchyard top [--once] [--interval S]` — the status page in the terminal. On a terminal it is a
// view redrawn in place like top(1) (top-screen.ts): Service ports and their endpoints sorted by
// traffic, with sparklines of connections/s and bytes/s from the server's history (/status.json
// ?since=, then only the new samples each interval); `q` quits. Into a pipe it prints a full frame
// per interval; `--once` prints one frame of the tables (listeners, endpoints, workers; no rates:
// they need two samples) and exits, for scripts and tests. Runs in the CLI process.
import { processCores, type PortHistory, type StatusDocument } from '../model/status-document.ts';
import { mergeHistory, newHistoryStore, type HistoryStore } from '../web/client/history-store.ts';
import { causesText } from '../web/status-markup.ts';
import { instanceLines, renderTopScreen } from './top-screen.ts';
import { UsageError } from './cli-error.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

const CLEAR = '\x1b[H\x1b[2J';
const TOP_SERIES = 'connections,flows,bytesIn,bytesOut';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return u === 0 ? `${n}B` : `${n.toFixed(1)}${units[u]}`;
}

/** Left-aligned columns, two spaces apart (kubectl's look). */
function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** One frame of text. `prev` (the previous sample) gives the bytes/s columns; without it they show `-`. */
export function renderTopFrame(doc: StatusDocument, prev: StatusDocument | null, filterNamespace?: string): string {
  const dt = prev ? (doc.time - prev.time) / 1000 : 0;
  const before = new Map<string, { bytesReceived: number; bytesSent: number }>();
  for (const s of prev?.services ?? []) {
    for (const p of s.ports) {
      before.set(`${s.name}|${p.port}`, p);
      for (const e of p.endpoints) before.set(`${s.name}|${p.port}|${e.endpoint}`, e);
    }
  }
  const rate = (key: string, now: { bytesReceived: number; bytesSent: number }): [string, string] => {
    const b = before.get(key);
    if (!b || dt <= 0) return ['-', '-'];
    return [`${bytes(Math.round(Math.max(0, now.bytesReceived - b.bytesReceived) / dt))}/s`,
      `${bytes(Math.round(Math.max(0, now.bytesSent - b.bytesSent) / dt))}/s`];
  };
  const services = filterNamespace === undefined ? doc.services : doc.services.filter((s) => s.name.startsWith(`${filterNamespace}/`));
  const lines: string[] = [];
  const cores = processCores(doc, prev);
  const proc = doc.process ? `, CPU ${cores === null ? '-' : `${cores.toFixed(2)} cores`}, memory ${bytes(doc.process.residentBytes)}` : '';
  lines.push(`switchyard top — ${new Date(doc.time).toISOString()} — ${services.length} Services, ${doc.workers.length} workers${proc}`);
  lines.push(...instanceLines(doc));
  for (const s of services) {
    lines.push('', `SERVICE ${s.name}  ${s.type}  ${s.clusterIP}`);
    for (const l of s.listeners) {
      lines.push(`  listen ${l.id} (${l.role}) ${l.bound ? 'bound' : `NOT BOUND: ${l.error ?? 'pending'}`}` +
        (l.kernelDrops ? `  kernel drops ${l.kernelDrops}` : ''));
    }
    for (const p of s.ports) {
      const [rin, rout] = rate(`${s.name}|${p.port}`, p);
      const udp = p.protocol === 'UDP' ? p.udp : undefined;
      if (udp) {
        const ended = udp.flowsEnded;
        lines.push(`  PORT ${p.port}  flows ${p.activeConnections}  total ${p.connectionsTotal}  datagrams in ${udp.datagramsReceived} out ${udp.datagramsSent}  ` +
          `in ${bytes(p.bytesReceived)} (${rin})  out ${bytes(p.bytesSent)} (${rout})  ended idle ${ended.idle} endpoint ${ended.endpoint} ` +
          `refused ${ended.refused} closed ${ended.closed}  dropped ${causesText(udp.drops)}`);
      } else {
        lines.push(`  PORT ${p.port}  active ${p.activeConnections}  total ${p.connectionsTotal}  in ${bytes(p.bytesReceived)} (${rin})  ` +
          `out ${bytes(p.bytesSent)} (${rout})  errors ${p.connectErrors}  retries ${p.retries}  refused ${causesText(p.refusals)}`);
      }
      const rows = [udp ? ['ENDPOINT', 'POD', 'HEALTH', 'FLOWS', 'TOTAL', 'REFUSED', 'DGRAMS-IN', 'DGRAMS-OUT', 'IN', 'OUT', 'IN/S', 'OUT/S']
        : ['ENDPOINT', 'POD', 'HEALTH', 'ACTIVE', 'TOTAL', 'ERRORS', 'IN', 'OUT', 'IN/S', 'OUT/S']];
      for (const e of p.endpoints) {
        const health = e.ready ? 'ready' : e.conditions.filter((c) => c !== 'serving').join(',') || 'not-ready';
        const counts = udp
          ? [String(e.udp?.icmpRefused ?? 0), String(e.udp?.datagramsReceived ?? 0), String(e.udp?.datagramsSent ?? 0)]
          : [String(e.connectErrors)];
        rows.push([e.endpoint, e.pod || '-', health, String(e.activeConnections), String(e.connectionsTotal), ...counts,
          bytes(e.bytesReceived), bytes(e.bytesSent), ...rate(`${s.name}|${p.port}|${e.endpoint}`, e)]);
      }
      if (p.endpoints.length === 0) lines.push(udp ? '    (no endpoints: datagrams are dropped)' : '    (no endpoints: connections are refused)');
      else lines.push(...columns(rows).map((r) => `    ${r}`));
    }
  }
  const rows = [['WORKER', 'ACTIVE', 'TOTAL', 'FLOWS', 'FLOWS-TOTAL', 'LOOP-P50', 'LOOP-P99', 'RESTARTS']];
  for (const w of doc.workers) {
    rows.push([String(w.worker), String(w.activeConnections), String(w.connectionsTotal), String(w.activeFlows ?? 0), String(w.flowsTotal ?? 0),
      `${(w.loopDelayP50 * 1000).toFixed(1)}ms`, `${(w.loopDelayP99 * 1000).toFixed(1)}ms`, String(w.restarts)]);
  }
  lines.push('', ...columns(rows));
  return lines.join('\n') + '\n';
}

async function fetchStatus(ctx: CliContext, query?: Record<string, string>): Promise<StatusDocument> {
  const res = await ctx.client.call('GET', '/status.json', undefined, query);
  const doc = res.body as StatusDocument;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.services)) {
    throw new UsageError(`${ctx.client.server}/status.json did not return a switchyard status document; is --server a switchyard admin address?`, 'top');
  }
  return doc;
}

/** Resolves after `ms`, or at once when `wake` is called (a key, a resize, a signal). */
function pause(ms: number, waker: { wake?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); waker.wake = undefined; resolve(); }
    waker.wake = done;
  });
}

/** The plain loop for a pipe or a file: one full frame per interval, as before the terminal view. */
async function plainLoop(ctx: CliContext, interval: number, ns: string | undefined, stopped: () => boolean, waker: { wake?: () => void }): Promise<void> {
  let prev: StatusDocument | null = null;
  while (!stopped()) {
    const doc = await fetchStatus(ctx);
    ctx.out(CLEAR + renderTopFrame(doc, prev, ns));
    prev = doc;
    await pause(interval * 1000, waker);
  }
}

/** The terminal view: the alternate screen, redrawn in place line by line (no flicker), keys read raw. */
async function terminalLoop(ctx: CliContext, interval: number, ns: string | undefined, stopped: () => boolean, waker: { wake?: () => void }): Promise<void> {
  const store = newHistoryStore();
  const out = process.stdout;
  let prev: StatusDocument | null = null;
  let doc: StatusDocument | null = null;
  let problem = '';
  const draw = () => {
    if (!doc) return;
    const lines = renderTopScreen(doc, store, prev, { columns: out.columns ?? 100, rows: out.rows ?? 30 }, ns);
    if (problem) lines.push(`Not updating: ${problem}`.slice(0, out.columns ?? 100));
    ctx.out(`\x1b[H${lines.join('\x1b[K\r\n')}\x1b[K\x1b[J`);
  };
  const onResize = () => draw();
  out.on('resize', onResize);
  ctx.out('\x1b[?1049h\x1b[?25l');
  try {
    while (!stopped()) {
      try {
        // The first request asks for the last two minutes by the server's clock (no terminal is
        // wider than that), then for what came after the newest sample held.
        const since = store.times.length ? store.times[store.times.length - 1] : Math.max(0, (doc ?? await fetchStatus(ctx)).time - 120_000);
        const next = await fetchStatus(ctx, { since: String(since), series: TOP_SERIES, endpoints: TOP_SERIES });
        if (next.history) mergeHistory(store, next.history);
        else appendFromDocuments(store, doc, next);
        prev = doc;
        doc = next;
        problem = '';
      } catch (err) {
        problem = (err as Error).message;
      }
      draw();
      await pause(interval * 1000, waker);
    }
  } finally {
    out.off('resize', onResize);
    ctx.out('\x1b[?25h\x1b[?1049l');
  }
}

/** A server without history (older than the status sampler): one sample per poll, from the counters. */
function appendFromDocuments(store: HistoryStore, before: StatusDocument | null, doc: StatusDocument): void {
  const dt = before ? (doc.time - before.time) / 1000 : 0;
  const rate = (now: number, then: number | undefined) => (then === undefined || dt <= 0 ? null : Math.max(0, now - then) / dt);
  const ports: PortHistory[] = [];
  for (const s of doc.services) {
    for (const p of s.ports) {
      const b = before?.services.find((x) => x.name === s.name)?.ports.find((x) => x.port === p.port);
      ports.push({
        service: s.name, port: p.port,
        series: { connections: [rate(p.connectionsTotal, b?.connectionsTotal)], bytesIn: [rate(p.bytesReceived, b?.bytesReceived)], bytesOut: [rate(p.bytesSent, b?.bytesSent)] },
        endpoints: p.endpoints.map((e) => {
          const eb = b?.endpoints.find((x) => x.endpoint === e.endpoint);
          return { endpoint: e.endpoint, series: { connections: [rate(e.connectionsTotal, eb?.connectionsTotal)], bytesIn: [rate(e.bytesReceived, eb?.bytesReceived)], bytesOut: [rate(e.bytesSent, eb?.bytesSent)] } };
        }),
      });
    }
  }
  mergeHistory(store, { intervalSeconds: dt || 1, windowSeconds: 300, times: [doc.time], process: {}, ports, workers: [], marks: [] });
}

async function run(ctx: CliContext, flags: FlagValues, args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`, 'top');
  const intervalText = stringFlag(flags, 'interval') ?? '1';
  const interval = Number(intervalText);
  if (!Number.isFinite(interval) || interval < 0.1 || interval > 3600) {
    throw new UsageError(`--interval ${JSON.stringify(intervalText)} must be a number of seconds between 0.1 and 3600`, 'top');
  }
  const ns = ctx.allNamespaces || !ctx.namespaceExplicit ? undefined : ctx.namespace;
  if (flags.once === true) {
    ctx.out(renderTopFrame(await fetchStatus(ctx), null, ns));
    return 0;
  }
  let stop = false;
  const waker: { wake?: () => void } = {};
  const onSignal = () => { stop = true; waker.wake?.(); };
  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true;
  // q (or Ctrl-C, which raw mode delivers as a byte instead of a signal) quits.
  const onKey = (key: Buffer) => { if (/^[qQ\x03\x04]/.test(key.toString('latin1'))) onSignal(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (terminal) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey);
    process.stdin.resume();
  }
  try {
    await (terminal ? terminalLoop : plainLoop)(ctx, interval, ns, () => stop, waker);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (terminal) {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}

export const topVerb: Verb = {
  name: 'top',
  summary: 'Show Services, endpoints and live traffic with sparklines, redrawn in place (q quits)',
  help: `Show every Service port and its endpoints, busiest first, with connections/s (UDP ports:
flows/s), bytes/s and sparklines of both over the last minute, redrawn in place every second; q
quits. The same figures as the status page at the admin address (/) and /metrics. Into a pipe, or
with --once, it prints the tables of Services, listeners, endpoints (health, connections or UDP
flows, bytes; datagrams and ICMP refusals for UDP ports) and workers instead.

Usage:
  switchyard top [--once] [--interval SECONDS] [-n NAMESPACE]

Flags:
  --once                 print one frame and exit (bytes/s need two samples and show "-")
  --interval SECONDS     time between frames (default 1)
  -n, --namespace NS     only Services of this namespace (default: all)
`,
  options: { once: { type: 'boolean' }, interval: { type: 'string' } },
  run,
};
