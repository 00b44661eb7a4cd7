// The main thread's end of one worker's MessagePort, as the worker pool sees it: whether the worker
// is ready and still reachable, and who waits for its replies to `listen`/`unlisten`. Main thread.
//
// A worker that drains or dies never answers again, so everything that waits on it is answered on
// its behalf when its port closes (an empty `unlistened`, as from a worker with no such listener):
// a listen, an unlisten or a sync never hangs on a worker that is gone.
import type { MessagePort, Transferable } from 'node:worker_threads';
import type { MainToWorker, WorkerToMain } from '../shared/messages.ts';

const NO_REPLY: WorkerToMain = { type: 'unlistened', id: '' };

export class WorkerChannel {
  readonly id: number;
  readonly port: MessagePort;
  /** Ready since its last `ready` message; false again once it ended. */
  ready = false;
  /** False once the port has closed (the worker drained or died): nothing sent will be answered. */
  open = true;
  /** Per listener id: who waits for this worker's `listening` / `unlistened` reply. */
  private readonly waiters = new Map<string, (m: WorkerToMain) => void>();

  constructor(id: number, port: MessagePort) {
    this.id = id;
    this.port = port;
  }

  /** Also the transfer acceptor's hand-off of an accepted socket (per connection in that mode). */
  post(m: MainToWorker, transfer: Transferable[] = []): void {
    this.port.postMessage(m, transfer);
  }

  /** Sends `m` and resolves with the worker's reply about listener `id` (or NO_REPLY once it is gone). */
  ask(id: string, m: MainToWorker): Promise<WorkerToMain> {
    return new Promise((resolve) => {
      if (!this.open) { resolve(NO_REPLY); return; }
      this.waiters.set(id, resolve);
      this.post(m);
    });
  }

  /** Hands a `listening`/`unlistened` reply to whoever asked; false when nobody did. */
  answer(m: WorkerToMain & { id: string }): boolean {
    const w = this.waiters.get(m.id);
    if (!w) return false;
    this.waiters.delete(m.id);
    w(m);
    return true;
  }

  /** The worker will never reply: not ready, not open, and every waiter answered with NO_REPLY. */
  gone(): void {
    this.ready = false;
    this.open = false;
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiters) w(NO_REPLY);
  }
}
