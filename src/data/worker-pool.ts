// The data-plane worker pool, on the main thread. Each worker runs one long-lived task
// (worker-main.ts) for its life, hosted by piscina (worker-host.ts: one single-thread pool per
// worker, so that a replacement failing during its bootstrap cannot stop all later replacements).
// A crashed worker's id gets a new worker (worker-supervisor.ts: when, and when the start gives up
// instead), which is re-sent every snapshot and every listener it binds (pool-listeners.ts); the
// pool's side of each worker's port is worker-channel.ts.
// Accept modes: 'transfer' binds on the main thread and hands each accepted socket to a worker
// through its MessagePort (transfer-acceptor.ts); 'reuseport' binds one SO_REUSEPORT listener per
// worker. UDP listeners are bound by the workers in both modes (per worker, or one worker each).
import type { AddressInfo } from 'node:net';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { createWorkerLedger, type WorkerLedger } from '../shared/worker-ledger.ts';
import type { ListenerSpec, MainToWorker, ServicePortSnapshot, WorkerToMain } from '../shared/messages.ts';
import { BindError } from './bind-main.ts';
import { bindOnWorkers } from './bind-on-workers.ts';
import { createListeningCensus, type ListeningCensus } from './listening-census.ts';
import { PoolListeners, type BoundAddress } from './pool-listeners.ts';
import { createTransferAcceptor } from './transfer-acceptor.ts';
import { WorkerChannel } from './worker-channel.ts';
import { hostWorker, type HostedWorker } from './worker-host.ts';
import type { WorkerConfig, WorkerResult, WorkerTask } from './worker-main.ts';
import { WorkerSupervisor } from './worker-supervisor.ts';

export { BindError } from './bind-main.ts';
export type { BoundAddress } from './pool-listeners.ts';

export type AcceptMode = 'transfer' | 'reuseport';
/** reuseport by measurement: less CPU per new connection and more connections per second, since
 *  transfer adds an accept, a postMessage and a socket object on the main thread per connection
 *  (docs/architecture.md, "Accepting connections", with the figures and what transfer still offers). */
export const DEFAULT_ACCEPT_MODE: AcceptMode = 'reuseport';

/** How UDP listeners are bound: 'per-worker' — every worker binds each with SO_REUSEPORT and the
 *  kernel keeps each client address:port on one of them; 'single' — one worker binds it alone, the
 *  listeners spread over the workers. per-worker by measurement (docs/architecture.md, "UDP flows":
 *  no more CPU per query with 2 workers on 2 cores, and a crashed worker's clients are carried by the
 *  other sockets at once, where 'single' has no listener until the replacement binds). */
export type UdpSocketMode = 'per-worker' | 'single';
export const DEFAULT_UDP_SOCKETS: UdpSocketMode = 'per-worker';

export type LogFn = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface WorkerPoolOptions {
  workers: number;
  accept?: AcceptMode;
  table: EndpointTable;
  drainTimeoutMs: number;
  /** Global max concurrent connections across workers; 0/undefined = unlimited. */
  maxConnections?: number;
  /** Global max live UDP flows across workers; 0/undefined = unlimited. */
  maxUdpFlows?: number;
  udpSockets?: UdpSocketMode;
  /** SO_RCVBUF asked for on UDP listeners; 0/undefined = the kernel's default. */
  udpRecvBufferBytes?: number;
  /** Receives access-log batches (JSON lines); undefined = access log off. */
  accessLog?: (lines: string[]) => void;
  /** Seeds each worker's random stream with randomSeed + workerId (tests); undefined = Math.random. */
  randomSeed?: number;
  log?: LogFn;
  /** The worker module; tests substitute one that fails. Default worker-main.ts. */
  workerFile?: string;
  /** Who else is bound where the workers bind; default /proc/net/{tcp,udp}{,6}. */
  census?: ListeningCensus;
}

export interface WorkerPool {
  readonly accept: AcceptMode;
  readonly size: number;
  /** Workers replaced after a crash since start. */
  readonly restarts: number;
  setServicePort(snapshot: ServicePortSnapshot): void;
  removeServicePort(index: number): void;
  /** Binds (port 0 picks a free port); rejects with the bind error (code, message). */
  listen(spec: ListenerSpec): Promise<BoundAddress>;
  /** Resolves once every worker has handled every message sent to it before (snapshots installed). */
  sync(): Promise<void>;
  /** Stops accepting on the listener; established connections continue. */
  unlisten(id: string): Promise<void>;
  /** Ids of the listeners workers bind (TCP in reuseport mode, UDP always) where more sockets are
   *  bound than the workers that bind it: another process joined them (SO_REUSEPORT). The transfer
   *  acceptor's TCP listeners are exclusive binds and never listed. */
  sharedListeners(): Promise<string[]>;
  /** Stops accepting everywhere; resolves when every connection finished or was cut at the timeout. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  /** The live worker threads (diagnostics; tests terminate one to simulate a crash). */
  threads(): Worker[];
}


export async function startWorkerPool(o: WorkerPoolOptions): Promise<WorkerPool> {
  const mode = o.accept ?? DEFAULT_ACCEPT_MODE;
  const log: LogFn = o.log ?? (() => {});
  const n = Math.max(1, Math.floor(o.workers));
  const udpMode = o.udpSockets ?? DEFAULT_UDP_SOCKETS;
  const config: WorkerConfig = {
    drainTimeoutMs: o.drainTimeoutMs, accessLog: !!o.accessLog, maxConnections: o.maxConnections ?? 0, randomSeed: o.randomSeed,
    maxUdpFlows: o.maxUdpFlows ?? 0, udpReusePort: udpMode === 'per-worker', udpRecvBufferBytes: o.udpRecvBufferBytes ?? 0,
  };
  const workerFile = o.workerFile ?? fileURLToPath(new URL('./worker-main.ts', import.meta.url));
  const census = o.census ?? createListeningCensus();

  const snapshots = new Map<number, ServicePortSnapshot>();
  const listeners = new PoolListeners(n);
  // Per worker id, the current thread's channel, host and ledger; a replacement takes over the id.
  const workers: WorkerChannel[] = [];
  const hosts: HostedWorker<WorkerResult>[] = [];
  // Hosts of workers that ended, until their thread has exited: close() waits for them too.
  const retiring = new Set<Promise<void>>();
  const ledgers: WorkerLedger[] = [];
  let rr = 0;
  let syncs = 0;
  let draining: Promise<void> | null = null;
  let closed = false;
  const stopping = () => closed || draining !== null;
  // Settles the start: every worker ready, or one gave up (WorkerRestartPolicy); null once started.
  let start: { resolve(): void; reject(err: Error): void } | null = null;
  const supervisor = new WorkerSupervisor({
    // Monotonic; not unref'd: a pending replacement is work the process still has to do.
    clock: { now: () => performance.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    spawn: startWorker, died: workerDied, log,
    replacing: (id) => o.table.workerRestarted(id),
    failed: (err) => start?.reject(err),
  });

  const broadcast = (m: MainToWorker) => { for (const w of workers) w.post(m); };

  function startWorker(id: number): Promise<WorkerResult | Error> {
    const { port1, port2 } = new MessageChannel();
    const w = new WorkerChannel(id, port1);
    workers[id] = w;
    const ledger = ledgers[id] = createWorkerLedger(o.table);
    port1.on('message', (m: WorkerToMain) => onMessage(w, m));
    // The worker's end closes when it drains or dies: no socket may be posted into it after that,
    // and whoever waits for one of its replies would wait forever.
    port1.on('close', () => w.gone());
    // Messages queue on the port until the worker attaches; state goes first, in order.
    w.post({ type: 'config', drainTimeoutMs: config.drainTimeoutMs, accessLog: config.accessLog });
    for (const s of snapshots.values()) w.post({ type: 'servicePort', snapshot: s });
    for (const listener of listeners.boundBy(id)) w.post({ type: 'listen', listener });
    const task: WorkerTask = { workerId: id, port: port2, tableBuffer: o.table.buffer, ledgerBuffer: ledger.buffer, config };
    const host = hosts[id] = hostWorker<WorkerTask, WorkerResult>(workerFile, task, [port2]);
    return host.result;
  }

  /** The worker crashed, exited or never started: the thread runs none of our code any more, so its
   *  ledger is final. Its connections died with it; give back what they held. */
  function workerDied(id: number): void {
    const w = workers[id];
    const held = ledgers[id].releaseInto(o.table);
    if (held.connections > 0 || held.flows > 0) {
      log('warn', `data-plane worker ${id} died holding ${held.connections} connections and ${held.flows} UDP flows; ` +
        'they are lost (their clients start again) and their active counts were released');
    }
    w.port.close();
    w.gone();
    const gone = hosts[id].destroy();
    retiring.add(gone);
    void gone.then(() => retiring.delete(gone));
  }

  function onMessage(w: WorkerChannel, m: WorkerToMain): void {
    switch (m.type) {
      case 'ready':
        w.ready = true;
        if (start && workers.every((s) => s.ready)) start.resolve();
        transfer.flush();
        break;
      case 'listening':
      case 'unlistened':
        if (!w.answer(m) && m.type === 'listening' && m.error && m.error.code !== 'SY_DRAINING') {
          log('error', `worker ${w.id} cannot listen on ${m.id}: ${m.error.code} ${m.error.message}`);
        }
        break;
      case 'accessLog':
        o.accessLog?.(m.lines);
        break;
      case 'log':
        log(m.level, m.message);
        break;
      case 'drained':
        break;
    }
  }

  /** The next ready worker, round-robin: the transfer acceptor's target, per connection. */
  function nextWorker(): WorkerChannel | null {
    for (let i = 0; i < workers.length; i++) {
      const w = workers[rr++ % workers.length];
      if (w.ready) return w;
    }
    return null;
  }

  // Also thrown by a listen still binding when the drain began: it must not leave a listener behind.
  const shuttingDown = () => new BindError('SY_DRAINING', 'the data plane is shutting down');

  const transfer = createTransferAcceptor({
    nextWorker, stopping, log,
    countSourceRangeRefusal: (index) => o.table.countRefusal(index, 'sourceRange'),
  });

  async function listenTransfer(spec: ListenerSpec): Promise<BoundAddress> {
    const server = await transfer.listen(spec);
    const a = server.address() as AddressInfo;
    const bound = { address: a.address, port: a.port };
    listeners.set({ spec, bound, server });
    return bound;
  }

  /** A listener the workers bind: TCP in reuseport mode and every UDP listener, on every worker
   *  (SO_REUSEPORT) or, for 'single' UDP sockets, on one; only where no other socket is bound
   *  (bind-on-workers.ts). */
  async function listenOnWorkers(spec: ListenerSpec): Promise<BoundAddress> {
    const owner = spec.protocol === 'UDP' && udpMode === 'single' ? listeners.udpOwner() : undefined;
    const targets = owner === undefined ? workers : [workers[owner]];
    const port = await bindOnWorkers(spec, {
      census, shuttingDown, stopping,
      listen(concrete) {
        // Recorded first, so a worker replaced meanwhile is sent this listener too.
        listeners.set({ spec, bound: { address: spec.address, port: concrete.port }, owner });
        return Promise.all(targets.map((w) => w.ask(spec.id, { type: 'listen', listener: concrete })));
      },
      async unlisten() {
        listeners.delete(spec.id);
        await Promise.all(targets.map((w) => w.ask(spec.id, { type: 'unlisten', id: spec.id })));
      },
    });
    return { address: spec.address, port };
  }

  const pool: WorkerPool = {
    accept: mode,
    size: n,
    get restarts() { return supervisor.restarts; },
    setServicePort(snapshot) {
      snapshots.set(snapshot.index, snapshot);
      broadcast({ type: 'servicePort', snapshot });
    },
    removeServicePort(index) {
      snapshots.delete(index);
      broadcast({ type: 'removeServicePort', index });
    },
    async listen(spec) {
      if (stopping()) throw shuttingDown();
      const existing = listeners.get(spec.id);
      if (existing) return existing.bound;
      return mode === 'transfer' && spec.protocol === 'TCP' ? listenTransfer(spec) : listenOnWorkers(spec);
    },
    async sync() {
      if (stopping()) return; // drained workers have closed their ports
      // An unlisten of an id no listener has is answered and changes nothing; ports deliver in order.
      const id = `\0sync-${syncs++}`;
      await Promise.all(workers.map((w) => w.ask(id, { type: 'unlisten', id })));
    },
    sharedListeners: () => listeners.shared((address, port, protocol) => census.count(address, port, protocol)),
    async unlisten(id) {
      const l = listeners.get(id);
      if (!l) return;
      listeners.delete(id);
      if (l.server) { l.server.close(); return; }
      await Promise.all(listeners.workersOf(l).map((i) => workers[i].ask(id, { type: 'unlisten', id })));
    },
    drain(timeoutMs) {
      draining ??= (async () => {
        const stopped = supervisor.stop();
        listeners.closeAll();
        transfer.reset();
        broadcast({ type: 'drain', timeoutMs });
        await stopped;
      })();
      return draining;
    },
    async close() {
      if (closed) return;
      await pool.drain(0);
      closed = true;
      for (const w of workers) w.port.close();
      await Promise.all([...hosts.map((h) => h.destroy()), ...retiring]);
    },
    threads: () => hosts.flatMap((h) => h.threads()),
  };

  for (let i = 0; i < n; i++) supervisor.start(i);
  try {
    await new Promise<void>((resolve, reject) => {
      start = { resolve, reject };
      if (workers.every((w) => w.ready)) resolve();
    });
  } catch (err) {
    // Nothing of the pool may outlive the failed start: no restart, no thread, no port.
    await pool.close();
    throw err;
  }
  start = null;
  supervisor.poolReady();
  return pool;
}
