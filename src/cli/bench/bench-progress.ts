// Progress of a bench run on stderr: one bar redrawn in place when stderr is a terminal, one plain
// line per elapsed second otherwise (logs and pipes get no carriage returns). Runs in the CLI
// process.

const BAR_WIDTH = 24;

/** `balancer  [#########---------------]  3.0/8 s  12,345 requests`. */
export function progressLine(label: string, elapsedSeconds: number, durationSeconds: number, requests: number): string {
  const fraction = Math.min(1, Math.max(0, elapsedSeconds / durationSeconds));
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const shown = Math.min(elapsedSeconds, durationSeconds).toFixed(1);
  return `${label.padEnd(8)}  [${bar}]  ${shown}/${durationSeconds} s  ${requests.toLocaleString('en-US')} requests`;
}

export interface Progress {
  update(elapsedSeconds: number, requests: number): void;
  /** Ends the bar (a final redraw and a newline on a terminal). */
  done(elapsedSeconds: number, requests: number): void;
}

export function createProgress(opts: { write(text: string): void; isTTY: boolean; label: string; durationSeconds: number }): Progress {
  let lastSecond = 0;
  return {
    update(elapsed, requests) {
      if (opts.isTTY) {
        opts.write(`\r${progressLine(opts.label, elapsed, opts.durationSeconds, requests)}\x1b[K`);
      } else if (Math.floor(elapsed) > lastSecond && elapsed < opts.durationSeconds) {
        lastSecond = Math.floor(elapsed);
        opts.write(`${progressLine(opts.label, elapsed, opts.durationSeconds, requests)}\n`);
      }
    },
    done(elapsed, requests) {
      const line = progressLine(opts.label, elapsed, opts.durationSeconds, requests);
      opts.write(opts.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
