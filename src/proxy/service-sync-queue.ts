// The data-plane sync's chain. Main thread. Services named by change notices are synced several at
// a time, each at most once however often it was named while it waited, and never beside itself;
// periodic work (listener retries, share checks) runs on the same chain alone, so it never
// interleaves with a sync. A step that throws is logged and the chain goes on.
//
// Why several at a time: a Service's new listeners wait for a round trip to every worker and for
// the listening census (a read of the kernel's listening sockets), which binds in flight together
// share. One Service at a time, 1,000 Services meant 1,000 censuses, each reading the listeners
// the ones before had added.
export class ServiceSyncQueue {
  private readonly pending = new Set<string>();
  private readonly syncService: (key: string) => Promise<void>;
  private readonly log: (message: string) => void;
  private readonly concurrency: number;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  /** `log` gets a line for each step that threw; at most `concurrency` Services sync at once. */
  constructor(syncService: (key: string) => Promise<void>, log: (message: string) => void, concurrency = 1) {
    this.syncService = syncService;
    this.log = log;
    this.concurrency = Math.max(1, concurrency);
  }

  get closed(): boolean { return this.stopped; }

  /** Syncs these Services after what is queued now, each once. */
  schedule(keys: Iterable<string>): void {
    for (const k of keys) this.pending.add(k);
    this.chain = this.chain.then(() => this.drain());
  }

  /** Runs `task` after what is queued now, unless closed by then; `what` names it in the log. */
  run(what: string, task: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.stopped ? undefined : task()))
      .catch((err) => this.log(`${what} failed: ${(err as Error).message}`));
  }

  /** Resolves when everything queued so far has run. */
  settled(): Promise<void> { return this.chain; }

  /** Nothing queued starts any more; resolves when the steps running now are done. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  /** Syncs pending Services until none is left (those named meanwhile included) and none runs.
   *  Each starts in the order named: what a sync does before its first await (claiming listener
   *  ids, addresses) happens in that order. */
  private drain(): Promise<void> {
    const running = new Set<string>();
    return new Promise<void>((resolve) => {
      const pump = (): void => {
        while (!this.stopped && running.size < this.concurrency) {
          let key: string | undefined;
          for (const k of this.pending) if (!running.has(k)) { key = k; break; }
          if (key === undefined) break;
          const k = key;
          this.pending.delete(k);
          running.add(k);
          this.syncService(k)
            .catch((err) => this.log(`sync of service ${k} failed: ${(err as Error).stack}`))
            .finally(() => { running.delete(k); pump(); });
        }
        if (running.size === 0) resolve();
      };
      pump();
    });
  }
}
