// `switchyard bench` flags: their parseArgs definitions and the strict conversion of what parseArgs
// gave into BenchOptions, with kubectl-style usage errors. Pure; runs in the CLI process.
import type { ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from '../cli-error.ts';
import type { BenchMode } from './bench-load-result.ts';
import { stringFlag, type FlagValues } from '../verb.ts';

export const BENCH_FLAGS: ParseArgsOptionsConfig = {
  port: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  duration: { type: 'string', short: 'd' },
  rate: { type: 'string', short: 'r' },
  mode: { type: 'string' },
  path: { type: 'string' },
  close: { type: 'boolean' },
  direct: { type: 'boolean' },
  'no-direct': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  report: { type: 'string' },
};

export interface BenchOptions {
  service: string;
  namespace: string;
  /** Service port by name or number; undefined = the Service's only port. */
  port?: string | number;
  connections: number;
  durationSeconds: number;
  rate?: number;
  mode: BenchMode;
  path: string;
  closeEachRequest: boolean;
  /** Also run the same load straight at one endpoint to measure the latency the balancer adds. */
  direct: boolean;
  output: 'text' | 'json';
  /** Also write a self-contained HTML report to this file. */
  report?: string;
}

const BENCH_DEFAULTS = { connections: 10, durationSeconds: 10, mode: 'http' as BenchMode, path: '/' };
const MAX_CONNECTIONS = 10_000;
const MAX_DURATION_SECONDS = 3600;

function positiveNumber(flags: FlagValues, name: string, opts: { integer: boolean; max: number; suffix?: string }): number | undefined {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return undefined;
  const text = opts.suffix && raw.endsWith(opts.suffix) ? raw.slice(0, -opts.suffix.length) : raw;
  const pattern = opts.integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const n = Number(text);
  if (!pattern.test(text) || !(n > 0) || n > opts.max) {
    const kind = opts.integer ? 'a whole number' : 'a number';
    throw new UsageError(`invalid value ${JSON.stringify(raw)} for --${name}: give ${kind} greater than 0 and at most ${opts.max}`, 'bench');
  }
  return n;
}

/** Turns parsed flags and positionals into BenchOptions; throws UsageError on anything doubtful. */
export function parseBenchOptions(flags: FlagValues, args: string[], namespace: string): BenchOptions {
  if (args.length === 0) throw new UsageError('name a Service to load: switchyard bench SERVICE', 'bench');
  if (args.length > 1) throw new UsageError(`bench takes one Service, got ${args.length}: ${args.join(' ')}`, 'bench');
  const service = args[0];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service)) {
    throw new UsageError(`${JSON.stringify(service)} is not a Service name (lowercase letters, digits and '-')`, 'bench');
  }
  const mode = stringFlag(flags, 'mode') ?? BENCH_DEFAULTS.mode;
  if (mode !== 'http' && mode !== 'tcp') throw new UsageError(`invalid value ${JSON.stringify(mode)} for --mode: give http or tcp`, 'bench');
  const path = stringFlag(flags, 'path') ?? BENCH_DEFAULTS.path;
  if (!path.startsWith('/') || /\s/.test(path)) throw new UsageError(`invalid value ${JSON.stringify(path)} for --path: give a path starting with / and without spaces`, 'bench');
  if (flags.path !== undefined && mode !== 'http') throw new UsageError('--path applies only to --mode http', 'bench');
  if (flags.close === true && mode !== 'tcp') throw new UsageError('--close applies only to --mode tcp (HTTP load keeps its connections alive)', 'bench');
  if (flags.direct === true && flags['no-direct'] === true) throw new UsageError('--direct and --no-direct contradict each other; give one', 'bench');
  const output = stringFlag(flags, 'output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,text`, 'bench');
  }
  const report = stringFlag(flags, 'report');
  if (report !== undefined && (report === '' || report.endsWith('/'))) throw new UsageError(`invalid value ${JSON.stringify(report)} for --report: give a file name, e.g. bench.html`, 'bench');
  const portText = stringFlag(flags, 'port');
  let port: string | number | undefined;
  if (portText !== undefined) {
    if (/^\d+$/.test(portText)) {
      port = Number(portText);
      if (port < 1 || port > 65535) throw new UsageError(`invalid value ${JSON.stringify(portText)} for --port: a port number is between 1 and 65535`, 'bench');
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(portText)) {
      port = portText;
    } else {
      throw new UsageError(`invalid value ${JSON.stringify(portText)} for --port: give the Service port's name or number`, 'bench');
    }
  }
  return {
    service, namespace, port, mode, path, output, ...(report !== undefined ? { report } : {}),
    connections: positiveNumber(flags, 'connections', { integer: true, max: MAX_CONNECTIONS }) ?? BENCH_DEFAULTS.connections,
    durationSeconds: positiveNumber(flags, 'duration', { integer: false, max: MAX_DURATION_SECONDS, suffix: 's' }) ?? BENCH_DEFAULTS.durationSeconds,
    rate: positiveNumber(flags, 'rate', { integer: false, max: 10_000_000 }),
    closeEachRequest: flags.close === true,
    direct: flags['no-direct'] !== true,
  };
}
