// The data-plane sync's one serialized chain. Main thread. Services named by change notices are
// synced one at a time, each at most once however often it was named while it waited; periodic
// work (listener retries, share checks) runs on the same chain, so nothing the sync does ever
// interleaves with another sync. A step that throws is logged and the chain goes on.
export class ServiceSyncQueue {
  private readonly pending = new Set<string>();
  private readonly syncService: (key: string) => Promise<void>;
  private readonly log: (message: string) => void;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  /** `log` gets a line for each step that threw. */
  constructor(syncService: (key: string) => Promise<void>, log: (message: string) => void) {
    this.syncService = syncService;
    this.log = log;
  }

  get closed(): boolean { return this.stopped; }

  /** Syncs these Services after what is queued now, each once. */
  schedule(keys: Iterable<string>): void {
    for (const k of keys) this.pending.add(k);
    this.chain = this.chain.then(async () => {
      while (this.pending.size && !this.stopped) {
        const [key] = this.pending;
        this.pending.delete(key);
        try { await this.syncService(key); } catch (err) { this.log(`sync of service ${key} failed: ${(err as Error).stack}`); }
      }
    });
  }

  /** Runs `task` after what is queued now, unless closed by then; `what` names it in the log. */
  run(what: string, task: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.stopped ? undefined : task()))
      .catch((err) => this.log(`${what} failed: ${(err as Error).message}`));
  }

  /** Resolves when everything queued so far has run. */
  settled(): Promise<void> { return this.chain; }

  /** Nothing queued starts any more; resolves when the step running now is done. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }
}
