// Where the data plane's access-log lines go (`--access-log`): appended to a file, written to
// stdout ('-'), or nowhere. The workers batch lines; this writes each batch once. Main thread.
import { createWriteStream } from 'node:fs';

export interface AccessLogSink {
  /** Undefined when there is no access log (the workers then format no lines). */
  write?: (lines: string[]) => void;
  /** Resolves once the file has everything written (at once for stdout or none). */
  end(): Promise<void>;
}

export function openAccessLog(path: string | undefined): AccessLogSink {
  if (path === undefined) return { end: async () => {} };
  if (path === '-') return { write: (lines) => { process.stdout.write(lines.join('\n') + '\n'); }, end: async () => {} };
  const file = createWriteStream(path, { flags: 'a' });
  return {
    write: (lines) => { file.write(lines.join('\n') + '\n'); },
    end: () => new Promise<void>((resolve) => { file.end(resolve); }),
  };
}
