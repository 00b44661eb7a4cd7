// A strict parser of the Prometheus text exposition format (version 0.0.4), enough to read
// switchyard's own /metrics: HELP/TYPE and comment lines, samples with labels, escapes, NaN/±Inf,
// optional timestamps. It fails at anything a Prometheus server would reject or that breaks the
// format's rules — a line it does not understand, a TYPE after its family's samples, a family's
// samples split up, a duplicate series, histogram buckets not cumulative or without +Inf — never
// skipping, so a format change on the server shows up instead of silently zero counts. `switchyard
// bench` reads /metrics with it, and the tests check /metrics with it. Pure; CLI process.
import { SyError } from '../model/sy-error.ts';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  /** counter, gauge, histogram, summary or untyped (no TYPE line). */
  type: string;
  help: string;
  samples: PromSample[];
}

export class PrometheusParseError extends SyError {
  constructor(why: string, line?: number, text?: string) {
    super('SY_METRICS_FORMAT', `cannot read the server's /metrics${line === undefined ? '' : `, line ${line}`}: ${why}` +
      `${text === undefined ? '' : `: ${JSON.stringify(text.slice(0, 120))}`}`);
    this.name = 'PrometheusParseError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** Reads `{a="x",b="y"}` starting at `at` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, at: number, fail: (why: string) => never): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name) fail('expected a label name');
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') fail(`expected ="…" after the label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) fail(`unterminated value of the label ${name}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`unknown escape \\${next ?? ''} in the label ${name}`);
        i += 2;
      } else {
        value += c;
        i += 1;
      }
    }
    i += 1;
    if (Object.hasOwn(labels, name)) fail(`the label ${name} appears twice`);
    labels[name] = value;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') fail('expected , or } after a label value');
  }
}

/** The family a sample name belongs to: histogram and summary series add a suffix to its name. */
export function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
  }
  return families.get(name);
}

/** The families in the order they appear, by name. Throws PrometheusParseError. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const series = new Set<string>();
  let current: PromFamily | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    const fail: (why: string) => never = (why) => { throw new PrometheusParseError(why, n + 1, line); };
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) continue; // a free comment
      const [, kind, name, rest = ''] = m;
      if (METRIC_NAME.exec(name)?.[0] !== name) fail(`${kind} names an invalid metric`);
      let f = families.get(name);
      if (!f) families.set(name, f = { name, type: 'untyped', help: '', samples: [] });
      else if (f.samples.length > 0) fail(`${kind} for ${name} after its samples`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown metric type');
        f.type = rest;
      } else {
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail('unknown escape in HELP');
        f.help = rest.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
      }
      current = f;
      continue;
    }
    const name = METRIC_NAME.exec(line)?.[0];
    if (!name) fail('expected a metric name');
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, fail));
    const rest = line.slice(i);
    if (!/^[ \t]/.test(rest)) fail('expected a space before the value');
    const fields = rest.trim().split(/[ \t]+/);
    if (fields.length > 2) fail('too many fields after the value');
    const value = parseValue(fields[0]);
    if (value === undefined) fail(`${JSON.stringify(fields[0])} is not a number`);
    if (fields.length === 2 && !/^-?\d+$/.test(fields[1])) fail('the timestamp is not an integer');
    let f = familyOf(name, families);
    // A sample without HELP or TYPE starts an untyped family of its own.
    if (!f) families.set(name, f = current = { name, type: 'untyped', help: '', samples: [] });
    if (f !== current) fail(`the samples of ${f.name} are not contiguous`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key)) fail(`duplicate series ${key}`);
    series.add(key);
    f.samples.push({ name, labels, value });
  }
  if (text !== '' && !text.endsWith('\n')) throw new PrometheusParseError('the text does not end with a newline');
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: PromFamily): void {
  const groups = new Map<string, PromSample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(s);
  }
  for (const [key, samples] of groups) {
    const fail = (why: string): never => { throw new PrometheusParseError(`${f.name}${key}: ${why}`); };
    let last = -Infinity;
    let lastCount = 0;
    for (const b of samples.filter((s) => s.name === `${f.name}_bucket`)) {
      const le = parseValue(b.labels.le ?? '');
      if (le === undefined || !(le > last)) fail('buckets not in increasing le order');
      if (b.value < lastCount) fail('buckets not cumulative');
      last = le!;
      lastCount = b.value;
    }
    if (last !== Infinity) fail('no +Inf bucket');
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!count || count.value !== lastCount) fail('_count differs from the +Inf bucket');
    if (!samples.some((s) => s.name === `${f.name}_sum`)) fail('no _sum');
  }
}

/** Every sample, in the order of the text. */
export function allSamples(families: Map<string, PromFamily>): PromSample[] {
  return [...families.values()].flatMap((f) => f.samples);
}
