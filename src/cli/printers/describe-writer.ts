// kubectl describe's PrefixWriter over a stdlib tabwriter(0, 8, 2, ' ', 0), plus the helpers every
// describer shares (labels, annotations, events) from kubectl pkg/describe/describe.go (S18).
// Pure; runs in the CLI process.
import type { KubeEvent } from '../../model/types.ts';
import { age } from '../../model/human-duration.ts';
import { DESCRIBE_OPTIONS, TabWriter } from './tab-writer.ts';

// kubectl skips this annotation: it is apply's bookkeeping, not something a reader wants to see.
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const MAX_ANNOTATION_LEN = 140;

export class DescribeWriter {
  private readonly tw = new TabWriter(DESCRIBE_OPTIONS);

  /** Writes text indented by `level` (two spaces each), as kubectl's PrefixWriter.Write. */
  write(level: number, text: string): void {
    this.tw.write('  '.repeat(level) + text);
  }

  flush(): void {
    this.tw.flush();
  }

  take(): string {
    return this.tw.take();
  }
}

/** printLabelsMultiline: `Labels:\tk=v`, continuation lines `\tk2=v2`, `<none>` when empty. */
export function writeLabels(w: DescribeWriter, title: string, labels: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) { w.write(0, '<none>\n'); return; }
  keys.forEach((k, i) => w.write(0, `${i === 0 ? '' : '\t'}${k}=${labels![k]}\n`));
}

function shorten(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + '...' : s;
}

/** printAnnotationsMultiline: long or multi-line values go on indented lines below their key. */
export function writeAnnotations(w: DescribeWriter, annotations: Record<string, string> | undefined): void {
  w.write(0, 'Annotations:\t');
  const all = annotations ?? {};
  const keys = Object.keys(all).filter((k) => !SKIP_ANNOTATIONS.has(k)).sort();
  if (keys.length === 0) { w.write(0, '<none>\n'); return; }
  keys.forEach((k, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = all[k].replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${k}:\n`);
      for (const s of value.split('\n')) w.write(0, `\t  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(0, `${k}: ${value}\n`);
    }
  });
}

function since(ts: string | undefined, now: number): string {
  return ts ? age(ts, now) : '<unknown>';
}

/** DescribeEvents: `Events:\t<none>`, or the Type/Reason/Age/From/Message table sorted by last time. */
export function writeEvents(w: DescribeWriter, events: KubeEvent[], now: number): void {
  if (events.length === 0) { w.write(0, 'Events:\t<none>\n'); return; }
  w.flush();
  const time = (e: KubeEvent) => Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? '') || 0;
  const sorted = [...events].sort((a, b) => time(a) - time(b));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = since(e.firstTimestamp ?? e.metadata.creationTimestamp, now);
    const interval = (e.count ?? 1) > 1 ? `${since(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    w.write(1, `${e.type}\t${e.reason}\t${interval}\t${e.source?.component ?? ''}\t${e.message.trim()}\n`);
  }
}
