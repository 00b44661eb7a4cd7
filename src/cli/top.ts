// `switchyard top [--once] [--interval S]` — the status page in the terminal: Services, listeners,
// endpoints with health, live connections and bytes/s, workers. Polls /status.json through the admin
// client, clears the screen and redraws every interval until Ctrl-C; `--once` prints one frame (no
// rates: they need two samples) and exits, for scripts and tests. Runs in the CLI process.
import { processCores, type StatusDocument } from '../model/status-document.ts';
import { UsageError } from './cli-error.ts';
import { stringFlag, type CliContext, type FlagValues, type Verb } from './verb.ts';

const CLEAR = '\x1b[H\x1b[2J';

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
        const dropped = Object.values(udp.drops).reduce((a, b) => a + b, 0);
        lines.push(`  PORT ${p.port}  flows ${p.activeConnections}  total ${p.connectionsTotal}  datagrams in ${udp.datagramsReceived} out ${udp.datagramsSent}  ` +
          `in ${bytes(p.bytesReceived)} (${rin})  out ${bytes(p.bytesSent)} (${rout})  ended idle ${ended.idle} endpoint ${ended.endpoint} ` +
          `refused ${ended.refused} closed ${ended.closed}  dropped ${dropped}`);
      } else {
        const refused = p.refusals.no_endpoints + p.refusals.max_connections + p.refusals.source_range;
        lines.push(`  PORT ${p.port}  active ${p.activeConnections}  total ${p.connectionsTotal}  in ${bytes(p.bytesReceived)} (${rin})  ` +
          `out ${bytes(p.bytesSent)} (${rout})  errors ${p.connectErrors}  retries ${p.retries}  refused ${refused}`);
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

async function fetchStatus(ctx: CliContext): Promise<StatusDocument> {
  const res = await ctx.client.call('GET', '/status.json');
  const doc = res.body as StatusDocument;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.services)) {
    throw new UsageError(`${ctx.client.server}/status.json did not return a switchyard status document; is --server a switchyard admin address?`, 'top');
  }
  return doc;
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
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  const onSignal = () => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let prev: StatusDocument | null = null;
    for (;;) {
      const doc = await fetchStatus(ctx);
      ctx.out(CLEAR + renderTopFrame(doc, prev, ns));
      prev = doc;
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((r) => { timer = setTimeout(() => r('tick'), interval * 1000); });
      const why = await Promise.race([tick, stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (why === 'stop') return 0;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const topVerb: Verb = {
  name: 'top',
  summary: 'Show Services, endpoints and live traffic, refreshed every second',
  help: `Show every Service with its listeners, endpoints (health, connections or UDP flows, bytes,
bytes/s; datagrams and ICMP refusals for UDP ports) and the data-plane workers, redrawn every second until Ctrl-C. The same figures as the status page at the
admin address (/) and /metrics.

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
