// What both splices (splice.ts over net.Socket, raw-splice.ts over raw handles) keep per
// connection on a data-plane worker thread: the byte counts, the idle stamp the sweep reads, the
// first thing that ended the connection, and the one call of onClose.
import type { IdleWatched } from './splice-buffers.ts';
import type { Splice, SpliceEnd, SpliceOptions } from './splice-types.ts';

export abstract class SpliceCore implements Splice, IdleWatched {
  readonly idleTimeoutMs: number;
  lastActive = 0;
  /** Bytes client → upstream. */
  bytesIn = 0;
  /** Bytes upstream → client. */
  bytesOut = 0;
  private end: SpliceEnd | null = null;
  private error: string | undefined = undefined;
  private reported = false;
  private readonly onClose: SpliceOptions['onClose'];

  constructor(opts: SpliceOptions) {
    this.idleTimeoutMs = opts.idleTimeoutMs;
    this.onClose = opts.onClose;
  }

  abstract close(reason: SpliceEnd): void;

  /** Records why the connection ends; only the first reason counts. */
  protected setEnd(reason: SpliceEnd, error?: string): void {
    if (this.end !== null) return;
    this.end = reason;
    if (error) this.error = error;
  }

  /** Calls onClose once, when both sockets are closed. */
  protected report(): void {
    if (this.reported) return;
    this.reported = true;
    this.onClose({ bytesIn: this.bytesIn, bytesOut: this.bytesOut, end: this.end ?? 'drained', error: this.error });
  }
}
