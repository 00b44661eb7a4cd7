// Whether this instance is in contact with a majority of etcd: what the etcd store's status()
// (and so /readyz) reports. Main thread; pure but for the clock reading it is given, so it is
// unit-tested without etcd (test/unit/store-etcd-contact.test.ts).
//
// Only an answer that needs a majority proves contact: a linearizable read (the store's ping), a
// committed transaction, data delivered on the watch. A connected watch stream proves nothing (a
// member cut off from the others accepts it too, and the client reconnects to one again and again
// while the majority is down), so a stream that was lost and connected again counts only once such
// an answer came after the loss. And silence longer than SILENT_MS is no contact either: a stream
// can sit silent on a dead connection while the ping fails.

/** Longest silence still counted as contact: three missed pings (one a second). */
export const SILENT_MS = 3000;

export class EtcdContact {
  private readonly now: () => number;
  private lastContact: number;
  private watching = false;
  /** An answer came since the watch stream was last lost (true until it is first lost). */
  private answeredSinceLoss = true;
  /** Why etcd last failed to answer, for the status message. */
  lastError = '';

  constructor(now: () => number) {
    this.now = now;
    this.lastContact = now();
  }

  /** An answer that needs a majority: a linearizable read, a commit, watch data. */
  answered(): void {
    this.lastContact = this.now();
    this.answeredSinceLoss = true;
  }

  /** The watch stream is (again) connected. */
  watchConnected(): void { this.watching = true; }

  /** The watch stream was lost (disconnected, cancelled): `err` says why. */
  watchLost(err: Error): void {
    this.watching = false;
    this.answeredSinceLoss = false;
    this.lastError = err.message;
  }

  /** A request to etcd failed: not ready by itself (silence decides), but the status says why. */
  failed(err: Error): void { this.lastError = err.message; }

  /** In contact, or for how long not (ms since the last answer). */
  state(): { ready: boolean; silentMs: number } {
    const silentMs = this.now() - this.lastContact;
    return { ready: this.watching && this.answeredSinceLoss && silentMs < SILENT_MS, silentMs };
  }
}
