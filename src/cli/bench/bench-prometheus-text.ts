// A small, strict parser of the Prometheus text exposition format (version 0.0.4), enough to read
// switchyard's own /metrics: samples with labels, HELP/TYPE and comment lines, escapes in label
// values, NaN/±Inf, optional timestamps. A line it does not understand is an error, never skipped,
// so a format change on the server shows up instead of silently zero counts. Pure; CLI process.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class PrometheusParseError extends Error {
  readonly code = 'SY_METRICS_FORMAT';
  constructor(line: number, why: string, text: string) {
    super(`cannot read the server's /metrics, line ${line}: ${why}: ${JSON.stringify(text.slice(0, 120))}`);
    this.name = 'PrometheusParseError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

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

export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    const fail: (why: string) => never = (why) => { throw new PrometheusParseError(n + 1, why, line); };
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (m && !METRIC_NAME.test(m[2])) fail(`${m[1]} names an invalid metric`);
      if (m?.[1] === 'TYPE' && !/^(counter|gauge|histogram|summary|untyped)$/.test(m[3] ?? '')) fail('unknown metric type');
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
    samples.push({ name, labels, value: value as number });
  }
  return samples;
}
