// Access-log lines of one data-plane worker, batched and posted to the main thread, so that the
// worker never waits on a file or stdout. Worker thread; `add` runs once per connection or flow
// when the access log is on, so it only pushes, and a batch leaves when it is full or `maxDelayMs`
// after its first line.
import type { Clock } from '../model/clock.ts';

export interface AccessLogBatchOptions {
  /** Posts one batch (the worker's `accessLog` message). */
  post(lines: string[]): void;
  maxLines: number;
  maxDelayMs: number;
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

export interface AccessLogBatch {
  add(line: string): void;
  /** Posts what is batched now (drain; a full batch). */
  flush(): void;
}

export function createAccessLogBatch(o: AccessLogBatchOptions): AccessLogBatch {
  let lines: string[] = [];
  let timer: unknown = null;
  const flush = () => {
    if (timer !== null) { o.clock.clearTimeout(timer); timer = null; }
    if (lines.length === 0) return;
    o.post(lines);
    lines = [];
  };
  const add = (line: string) => {
    lines.push(line);
    if (lines.length >= o.maxLines) flush();
    else if (timer === null) timer = o.clock.setTimeout(flush, o.maxDelayMs);
  };
  return { add, flush };
}
