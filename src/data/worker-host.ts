// One data-plane worker thread, hosted by its own single-thread piscina, on the main thread.
//
// Why one piscina per worker rather than one for all: piscina (5.x) replaces a crashed worker only
// while no replacement has ever failed during its bootstrap. Once one has (its module threw, the
// thread could not start), the pool stops creating workers for good, and the task it was given
// neither resolves nor rejects — the pool only emits 'error'. A shared pool would then leave that
// worker's slot dead for the rest of the process, and a drain waiting for its task would never end.
// A pool per worker is thrown away with its worker, so every restart starts from a fresh one, and
// `result` settles whichever way the worker goes.
//
// minThreads 0: with a thread kept at the minimum, piscina replaces a thread that dies (a crash, or
// a failed bootstrap of its first thread, which it counts as ready from the start) with one of its
// own, which loads the whole worker module only to be terminated by destroy() — a wasted thread
// start on every crash, and one that can still run the module's code while its pool is thrown away.
// With none kept, the task's thread is the only thread the pool ever starts.
import type { Transferable, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';

export interface HostedWorker<R> {
  /** The task's result, or the error that ended the worker (crash, exit, failed bootstrap). */
  readonly result: Promise<R | Error>;
  threads(): Worker[];
  /** Stops the thread (if it still runs) and the pool; resolves once the thread has exited. */
  destroy(): Promise<void>;
}

export function hostWorker<T, R>(filename: string, task: T, transferList: Transferable[]): HostedWorker<R> {
  const piscina = new Piscina({
    filename, minThreads: 0, maxThreads: 1, idleTimeout: Infinity,
    // piscina's default atomics:'sync' blocks an idle worker's event loop.
    atomics: 'disabled', concurrentTasksPerWorker: 1,
  });
  let exited: Promise<unknown> = Promise.resolve();
  const result = new Promise<R | Error>((resolve) => {
    // A failed bootstrap, or an error outside the task: the task itself would never settle.
    piscina.on('error', (err: Error) => resolve(err));
    piscina.run(task, { transferList: transferList as never }).then((r: R) => resolve(r), (err: Error) => resolve(err));
    // run() started the pool's one thread. piscina forgets a thread that failed (it terminates it
    // without waiting for its exit), so its destroy() alone does not say the thread is gone.
    const thread = piscina.threads[0];
    if (thread) exited = new Promise((r) => thread.once('exit', r));
  });
  let destroyed: Promise<void> | null = null;
  const destroy = () => (destroyed ??= (async () => {
    await piscina.destroy().catch(() => {});
    await exited;
  })());
  // The thread is gone either way: drop the pool with it (idempotent after destroy()).
  void result.then((r) => { if (r instanceof Error) void destroy(); });
  return { result, threads: () => (destroyed ? [] : piscina.threads), destroy };
}
