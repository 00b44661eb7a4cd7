// Runs periodic probes: one fixed-rate tick per target, at most `maxConcurrent` probes in flight,
// the rest queued in tick order. Main thread.
//
// Like kubelet's worker loop (a time.Ticker around a sequential doProbe), a target never has two
// probes at once: a tick that finds its previous probe still running or still queued is dropped,
// and a late timer skips the ticks it missed rather than bursting to catch up.
//
// Jitter: kubelet delays each worker's first probe by rand × period only when kubelet started less
// than one period ago, so that a restart does not probe everything at once. switchyard does the
// same, and for targets added later still spreads the first probe over rand × min(period, 1 s): a
// manifest that adds a thousand backends at once should not probe them in lockstep forever, and a
// new readiness-gated Pod should not wait a whole period for its first probe.
import type { HealthClock } from './health-clock.ts';

export interface ScheduledProbe {
  periodMs: number;
  run(): Promise<void>;
}

export interface ProbeSchedulerOptions {
  clock: HealthClock;
  /** Uniform [0, 1). */
  random: () => number;
  maxConcurrent: number;
}

interface Entry {
  key: string;
  probe: ScheduledProbe;
  nextAt: number;
  timer: unknown;
  phase: 'idle' | 'queued' | 'running';
  removed: boolean;
  /** The faster period set by hurry() until relax(); 0 = the probe's own. */
  fastMs: number;
}

const LATE_JITTER_CAP_MS = 1000;

export class ProbeScheduler {
  private readonly clock: HealthClock;
  private readonly random: () => number;
  private readonly maxConcurrent: number;
  private readonly startedAt: number;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private closed = false;

  constructor(o: ProbeSchedulerOptions) {
    this.clock = o.clock;
    this.random = o.random;
    this.maxConcurrent = Math.max(1, Math.floor(o.maxConcurrent));
    this.startedAt = o.clock.now();
  }

  /** Probes running now / waiting for a free slot (for status and tests). */
  get running(): number { return this.inFlight; }
  get queued(): number { return this.queue.length - this.queueHead; }
  get size(): number { return this.entries.size; }
  has(key: string): boolean { return this.entries.has(key); }

  /** Adds a target (or replaces the one under `key`, restarting its ticks). */
  add(key: string, probe: ScheduledProbe): void {
    if (this.closed) return;
    this.remove(key);
    const now = this.clock.now();
    const period = Math.max(1, probe.periodMs);
    const spread = now - this.startedAt < period ? period : Math.min(period, LATE_JITTER_CAP_MS);
    const entry: Entry = { key, probe: { ...probe, periodMs: period }, nextAt: now + Math.floor(this.random() * spread), timer: undefined, phase: 'idle', removed: false, fastMs: 0 };
    this.entries.set(key, entry);
    this.arm(entry, now);
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.removed = true;
    this.clock.clearTimeout(entry.timer);
    this.entries.delete(key);
    // A queued entry is skipped when it reaches the head; a running one finishes and is forgotten.
  }

  /**
   * Probe `key` now and then every `periodMs` (when shorter than its own period) until relax():
   * HAProxy's `on-error fastinter`, for a target the data plane just saw failing. A probe already
   * queued or running counts as the immediate one. No-op while the target is already hurried.
   */
  hurry(key: string, periodMs: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || entry.fastMs > 0) return false;
    entry.fastMs = Math.max(1, Math.min(periodMs, entry.probe.periodMs));
    const now = this.clock.now();
    this.clock.clearTimeout(entry.timer);
    entry.nextAt = now;
    this.tick(entry);
    return true;
  }

  /** Back to the target's own period, counted from its last tick. */
  relax(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.fastMs === 0) return;
    entry.fastMs = 0;
    this.clock.clearTimeout(entry.timer);
    const now = this.clock.now();
    entry.nextAt = now + entry.probe.periodMs;
    this.arm(entry, now);
  }

  isHurried(key: string): boolean { return (this.entries.get(key)?.fastMs ?? 0) > 0; }

  close(): void {
    this.closed = true;
    for (const key of [...this.entries.keys()]) this.remove(key);
    this.queue.length = 0;
    this.queueHead = 0;
  }

  private arm(entry: Entry, now: number): void {
    entry.timer = this.clock.setTimeout(() => this.tick(entry), entry.nextAt - now);
  }

  private tick(entry: Entry): void {
    if (entry.removed) return;
    const now = this.clock.now();
    const period = entry.fastMs || entry.probe.periodMs;
    entry.nextAt += period;
    if (entry.nextAt <= now) entry.nextAt += (Math.floor((now - entry.nextAt) / period) + 1) * period;
    this.arm(entry, now);
    if (entry.phase !== 'idle') return; // previous probe still queued or running: drop this tick
    if (this.inFlight < this.maxConcurrent) this.start(entry);
    else { entry.phase = 'queued'; this.queue.push(entry); }
  }

  private start(entry: Entry): void {
    entry.phase = 'running';
    this.inFlight++;
    let p: Promise<void>;
    try { p = entry.probe.run(); } catch (err) { p = Promise.reject(err); }
    // A probe's own errors are its business (it reports them as failures); the loop must go on.
    p.catch(() => {}).finally(() => {
      this.inFlight--;
      entry.phase = 'idle';
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++];
      if (next.removed || this.closed) continue;
      this.start(next);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}
