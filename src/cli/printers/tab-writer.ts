// Go's text/tabwriter as kubectl uses it, so tables and describe output line up byte for byte.
// kubectl get: TabWriter({ minWidth: 6, tabWidth: 4, padding: 3, rememberWidths: true })
// (cli-runtime printers.GetNewTabWriter, liggitt/tabwriter); kubectl describe: stdlib
// tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). Only the space pad character is supported, so
// tabWidth never affects the output; it is kept to mirror the Go constructor. Runs in the CLI only.

export interface TabWriterOptions {
  minWidth: number;
  tabWidth: number;
  padding: number;
  /** liggitt/tabwriter RememberWidths: a column never gets narrower than it was in an earlier flush. */
  rememberWidths?: boolean;
}

/** A line is its cells: every tab-terminated cell, then the text after the last tab. */
type Line = string[];

const cellWidth = (s: string): number => [...s].length;

export class TabWriter {
  private readonly opts: TabWriterOptions;
  private lines: Line[] = [];
  private partial = '';
  private out = '';
  private widths: number[] = [];
  private maxWidths: number[] = [];

  constructor(opts: TabWriterOptions) {
    this.opts = opts;
  }

  write(text: string): void {
    let rest = this.partial + text;
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const cells = rest.slice(0, nl).split('\t');
      this.lines.push(cells);
      rest = rest.slice(nl + 1);
      // Like Go: a line without tabs cannot influence later columns, so the buffer flushes there.
      // This matters only with rememberWidths, where widths then carry across the flush.
      if (cells.length === 1) this.flushLines();
      nl = rest.indexOf('\n');
    }
    this.partial = rest;
  }

  /** Formats everything buffered; an unterminated last line is written without a newline. */
  flush(): void {
    if (this.partial !== '') {
      this.lines.push(this.partial.split('\t'));
      this.partial = '';
      this.flushLines(true);
    } else {
      this.flushLines();
    }
  }

  /** Flushes and returns (and forgets) all output produced so far. */
  take(): string {
    this.flush();
    const s = this.out;
    this.out = '';
    return s;
  }

  private flushLines(lastUnterminated = false): void {
    if (this.lines.length === 0) return;
    this.format(0, this.lines.length, lastUnterminated);
    this.lines = [];
    this.widths = [];
  }

  // Go's format(): a column block is a run of consecutive lines that all have a terminated cell in
  // this column; each block gets its own width, and blocks nest column by column.
  private format(line0: number, line1: number, lastUnterminated: boolean): void {
    const column = this.widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= this.lines[i].length - 1) continue;
      this.writeLines(line0, i, lastUnterminated);
      line0 = i;
      let width = this.opts.minWidth;
      for (; i < line1; i++) {
        const line = this.lines[i];
        if (column >= line.length - 1) break;
        width = Math.max(width, cellWidth(line[column]) + this.opts.padding);
      }
      if (this.opts.rememberWidths) {
        if (this.maxWidths.length < this.widths.length) this.maxWidths.push(...this.widths.slice(this.maxWidths.length));
        if (this.maxWidths.length === this.widths.length) this.maxWidths.push(width);
        else if (this.maxWidths[column] > width) width = this.maxWidths[column];
        else this.maxWidths[column] = width;
      }
      this.widths.push(width);
      this.format(line0, i, lastUnterminated);
      this.widths.pop();
      line0 = i;
      i--; // the outer loop's increment must re-examine the line that ended the block
    }
    this.writeLines(line0, line1, lastUnterminated);
  }

  private writeLines(line0: number, line1: number, lastUnterminated: boolean): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i];
      let s = '';
      for (let j = 0; j < line.length; j++) {
        s += line[j];
        if (j < this.widths.length && j < line.length - 1) s += ' '.repeat(Math.max(0, this.widths[j] - cellWidth(line[j])));
      }
      const isLast = i === this.lines.length - 1;
      this.out += lastUnterminated && isLast ? s : s + '\n';
    }
  }
}

/** Formats text in one go with the given writer settings. */
export function tabulate(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.take();
}

export const GET_TABLE_OPTIONS: TabWriterOptions = { minWidth: 6, tabWidth: 4, padding: 3, rememberWidths: true };
export const DESCRIBE_OPTIONS: TabWriterOptions = { minWidth: 0, tabWidth: 8, padding: 2 };
