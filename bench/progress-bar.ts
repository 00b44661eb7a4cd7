// Progress on stderr for bench/run.ts: every step and log line is printed (steps numbered [k/N]);
// on a TTY a bar with the elapsed time and an estimate of the rest is redrawn in place under them.
export interface Progress {
  /** Adds planned steps (phases are planned as they are reached). */
  plan(steps: number): void;
  /** One step finished; `label` says which. */
  step(label: string): void;
  /** A log line (above the bar on a TTY). */
  log(line: string): void;
  done(): void;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const start = performance.now();
  let total = 0;
  let done = 0;
  let current = '';
  let drawn = false;
  const bar = (): string => {
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const elapsed = (performance.now() - start) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : NaN;
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(frac * 100)}% ${duration(elapsed)} elapsed, ~${duration(eta)} left  ${current}`;
    return text.slice(0, Math.max(20, (stream.columns ?? 120) - 1));
  };
  const redraw = () => {
    if (!tty) return;
    stream.write(`\r\x1b[K${bar()}`);
    drawn = true;
  };
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    plan(steps) { total += steps; redraw(); },
    step(label) {
      done++;
      current = label.split(' ').slice(0, 2).join(' ');
      // The step's line stays in the scrollback on a TTY too; the bar is redrawn under it.
      clear();
      stream.write(`${clock()} [${done}/${total}] ${label}\n`);
      redraw();
    },
    log(line) {
      clear();
      stream.write(`${clock()} ${line}\n`);
      redraw();
    },
    done() {
      clear();
      if (tty) stream.write(`${clock()} ${bar()}\n`);
    },
  };
}
