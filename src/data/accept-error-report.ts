// Accept errors of a worker's listeners (EMFILE while the process is out of descriptors) come once
// per connection tried: this reports at most one every `intervalMs`, saying how many were not.
// Worker thread; runs only when an accept fails, never on a connection that was accepted.
import type { Clock } from '../model/clock.ts';

export class AcceptErrorReport {
  private readonly clock: Pick<Clock, 'now'>;
  private readonly intervalMs: number;
  private since = 0;
  private loggedAt = -Infinity;

  constructor(clock: Pick<Clock, 'now'>, intervalMs: number) {
    this.clock = clock;
    this.intervalMs = intervalMs;
  }

  /** An accept on listener `id` failed: the line to log now, or null while reports are spaced out. */
  failed(id: string, err: Error): string | null {
    const now = this.clock.now();
    this.since++;
    if (now - this.loggedAt < this.intervalMs) return null;
    const more = this.since > 1 ? ` (${this.since - 1} more accept errors since the last report)` : '';
    this.loggedAt = now;
    this.since = 0;
    return `listener ${id}: ${err.message}${more}`;
  }
}
