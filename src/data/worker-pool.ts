// The data-plane worker pool, on the main thread. Each worker runs one long-lived task
// (worker-main.ts) for its life, hosted by piscina (worker-host.ts: one single-thread pool per
// worker, so that a replacement failing during its bootstrap cannot stop all later replacements).
// A crashed worker's slot gets a new worker — at once, or backing off while it keeps dying
// quickly — which is re-sent every snapshot and every listener it binds.
// Accept modes: 'transfer' binds on the main thread and hands each accepted socket to a worker
// through its MessagePort (transfer-acceptor.ts); 'reuseport' binds one SO_REUSEPORT listener per
// worker. UDP listeners are bound by the workers in both modes (per worker, or one worker each).
import type { AddressInfo, Server } from 'node:net';
import { MessageChannel, type MessagePort, type Transferable, type Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { SyError } from '../model/sy-error.ts';
import type { EndpointTable } from '../shared/endpoint-table.ts';
import { createWorkerLedger } from '../shared/worker-ledger.ts';
import type { ListenerSpec, MainToWorker, ServicePortSnapshot, WorkerToMain } from '../shared/messages.ts';
import { BindError } from './bind-main.ts';
import { bindOnWorkers } from './bind-on-workers.ts';
import { createListeningCensus, type ListeningCensus } from './listening-census.ts';
import { createTransferAcceptor } from './transfer-acceptor.ts';
import { hostWorker, restartDelay, type HostedWorker } from './worker-host.ts';
import type { WorkerConfig, WorkerResult, WorkerTask } from './worker-main.ts';

export { BindError } from './bind-main.ts';

export type AcceptMode = 'transfer' | 'reuseport';
/** reuseport by measurement (bench/profile-run.ts: 2 workers, nginx backends, 3 interleaved rounds
 *  beside HAProxy; bench/README.md "Where the time goes"): CPU per new connection 2.3–2.6×
 *  HAProxy's against transfer's 2.9–3.6× (305–350 vs 386–557 µs), and 25–40 % more connections/s
 *  in the quick bench, because transfer adds an accept, a postMessage and a socket object on the
 *  main thread per connection. Keep-alive requests cost the same in both. What transfer still has
 *  over it: a crashed worker's own accept queue is reset with its listener (docs/architecture.md,
 *  "Accepting connections"). */
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

export interface BoundAddress { address: string; port: number }

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

interface WorkerSlot {
  id: number;
  port: MessagePort;
  ready: boolean;
  /** False once the port has closed (the worker drained or died): nothing sent will be answered. */
  open: boolean;
  /** Per listener id: who waits for this worker's `listening` / `unlistened` reply. */
  waiters: Map<string, (m: WorkerToMain) => void>;
  /** Settles when the worker ended, or would have: never hangs on a worker that failed to start. */
  task: Promise<unknown>;
  host: HostedWorker<WorkerResult> | null;
}

/** `owner`: the worker that binds a UDP listener alone ('single' UDP sockets). */
interface ListenerState { spec: ListenerSpec; bound: BoundAddress; server?: Server; owner?: number }

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

  const snapshots = new Map<number, ServicePortSnapshot>();
  const listeners = new Map<string, ListenerState>();
  const slots: WorkerSlot[] = [];
  let restarts = 0;
  let rr = 0;
  let syncs = 0;
  let draining: Promise<void> | null = null;
  let closed = false;
  const readyWaiters: (() => void)[] = [];

  const send = (slot: WorkerSlot, m: MainToWorker, transfer?: Transferable[]) => slot.port.postMessage(m, transfer ?? []);
  const broadcast = (m: MainToWorker) => { for (const s of slots) send(s, m); };

  /** Per slot: quick deaths in a row, and the pending restart (cancelled by a drain). */
  const quickDeaths: number[] = [];
  const restartTimers = new Set<NodeJS.Timeout>();
  // Until every worker has been ready once, a worker that keeps failing to start ends the start:
  // a process that never serves is better told to its supervisor (systemd, Docker) by an exit
  // than by retrying for ever. After that, crashed workers are replaced without limit.
  let started = false;
  let failStart: ((err: Error) => void) | null = null;

  function startWorker(id: number): void {
    const { port1, port2 } = new MessageChannel();
    const slot: WorkerSlot = { id, port: port1, ready: false, open: true, waiters: new Map(), task: Promise.resolve(), host: null };
    slots[id] = slot;
    const ledger = createWorkerLedger(o.table);
    port1.on('message', (m: WorkerToMain) => onMessage(slot, m));
    // The worker's end closes when it drains or dies: no socket may be posted into it after that,
    // and whoever waits for one of its replies would wait forever.
    port1.on('close', () => { slot.ready = false; slot.open = false; answerWaiters(slot); });
    // Messages queue on the port until the worker attaches; state goes first, in order.
    send(slot, { type: 'config', drainTimeoutMs: config.drainTimeoutMs, accessLog: config.accessLog });
    for (const s of snapshots.values()) send(slot, { type: 'servicePort', snapshot: s });
    for (const l of listeners.values()) {
      if (l.spec.protocol === 'UDP' ? l.owner === undefined || l.owner === id : mode === 'reuseport') {
        send(slot, { type: 'listen', listener: { ...l.spec, port: l.bound.port } });
      }
    }
    const task: WorkerTask = { workerId: id, port: port2, tableBuffer: o.table.buffer, ledgerBuffer: ledger.buffer, config };
    const startedAt = Date.now();
    const host = hostWorker<WorkerTask, WorkerResult>(workerFile, task, [port2]);
    slot.host = host;
    slot.task = host.result.then((r) => {
      if (!(r instanceof Error)) return r;
      // The worker crashed, exited or never started: the thread runs none of our code any more, so
      // its ledger is final. Its connections died with it; give back what they held.
      slot.ready = false;
      const held = ledger.releaseInto(o.table);
      if (held.connections > 0 || held.flows > 0) {
        log('warn', `data-plane worker ${id} died holding ${held.connections} connections and ${held.flows} UDP flows; ` +
          'they are lost (their clients start again) and their active counts were released');
      }
      port1.close();
      answerWaiters(slot);
      if (closed || draining) return r;
      const livedMs = Date.now() - startedAt;
      const next = restartDelay(livedMs, quickDeaths[id] ?? 0);
      quickDeaths[id] = next.quickDeaths;
      if (!started && next.quickDeaths >= START_ATTEMPTS) {
        // No replacement: the start fails, so this is not counted as a restart.
        log('error', `data-plane worker ${id} failed to start (${r.message}); giving up after ${START_ATTEMPTS} attempts`);
        failStart?.(workerStartError(id, r));
        return r;
      }
      restarts++;
      o.table.workerRestarted(id);
      log('error', `data-plane worker ${id} stopped ${Math.round(livedMs / 100) / 10} s after it started (${r.message}); starting a replacement` +
        (next.delayMs === 0 ? '' : ` in ${next.delayMs / 1000} s (quick failure ${next.quickDeaths} in a row)`));
      if (next.delayMs === 0) { startWorker(id); return r; }
      const timer = setTimeout(() => { restartTimers.delete(timer); if (!closed && !draining) startWorker(id); }, next.delayMs);
      restartTimers.add(timer);
      return r;
    });
  }

  function onMessage(slot: WorkerSlot, m: WorkerToMain): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        if (slots.every((s) => s.ready)) for (const w of readyWaiters.splice(0)) w();
        transfer.flush();
        break;
      case 'listening':
      case 'unlistened': {
        const w = slot.waiters.get(m.id);
        if (w) { slot.waiters.delete(m.id); w(m); }
        else if (m.type === 'listening' && m.error && m.error.code !== 'SY_DRAINING') log('error', `worker ${slot.id} cannot listen on ${m.id}: ${m.error.code} ${m.error.message}`);
        break;
      }
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

  /** A worker that will never reply: its waiters get an empty `unlistened`, as if it had no listener. */
  function answerWaiters(slot: WorkerSlot): void {
    const waiters = [...slot.waiters.values()];
    slot.waiters.clear();
    for (const w of waiters) w({ type: 'unlistened', id: '' });
  }

  const ask = (slot: WorkerSlot, id: string, m: MainToWorker) => new Promise<WorkerToMain>((resolve) => {
    if (!slot.open) { resolve({ type: 'unlistened', id: '' }); return; }
    slot.waiters.set(id, resolve);
    send(slot, m);
  });

  function nextWorker(): WorkerSlot | null {
    for (let i = 0; i < slots.length; i++) {
      const s = slots[rr++ % slots.length];
      if (s.ready) return s;
    }
    return null;
  }

  const census = o.census ?? createListeningCensus();

  // Also thrown by a listen still binding when the drain began: it must not leave a listener behind.
  const shuttingDown = () => new BindError('SY_DRAINING', 'the data plane is shutting down');

  const transfer = createTransferAcceptor({
    nextWorker: () => {
      const w = nextWorker();
      return w && { id: w.id, post: (m, list) => send(w, m, list) };
    },
    stopping: () => closed || draining !== null,
    countSourceRangeRefusal: (index) => o.table.countRefusal(index, 'sourceRange'),
    log,
  });

  async function listenTransfer(spec: ListenerSpec): Promise<BoundAddress> {
    const server = await transfer.listen(spec);
    const a = server.address() as AddressInfo;
    const bound = { address: a.address, port: a.port };
    listeners.set(spec.id, { spec, bound, server });
    return bound;
  }

  /** 'single' UDP sockets: the worker owning the fewest UDP listeners (the lowest id on a tie). */
  function udpOwner(): number {
    const owned = slots.map(() => 0);
    for (const l of listeners.values()) if (l.owner !== undefined) owned[l.owner]++;
    return owned.indexOf(Math.min(...owned));
  }

  /** A listener the workers bind: TCP in reuseport mode and every UDP listener, on every worker
   *  (SO_REUSEPORT) or, for 'single' UDP sockets, on one; only where no other socket is bound
   *  (bind-on-workers.ts). */
  async function listenOnWorkers(spec: ListenerSpec): Promise<BoundAddress> {
    const owner = spec.protocol === 'UDP' && udpMode === 'single' ? udpOwner() : undefined;
    const targets = owner === undefined ? slots : [slots[owner]];
    const port = await bindOnWorkers(spec, {
      census, shuttingDown, stopping: () => closed || draining !== null,
      listen(concrete) {
        // Recorded first, so a worker replaced meanwhile is sent this listener too.
        listeners.set(spec.id, { spec, bound: { address: spec.address, port: concrete.port }, owner });
        return Promise.all(targets.map((s) => ask(s, spec.id, { type: 'listen', listener: concrete })));
      },
      async unlisten() {
        listeners.delete(spec.id);
        await Promise.all(targets.map((s) => ask(s, spec.id, { type: 'unlisten', id: spec.id })));
      },
    });
    return { address: spec.address, port };
  }

  const pool: WorkerPool = {
    accept: mode,
    size: n,
    get restarts() { return restarts; },
    setServicePort(snapshot) {
      snapshots.set(snapshot.index, snapshot);
      broadcast({ type: 'servicePort', snapshot });
    },
    removeServicePort(index) {
      snapshots.delete(index);
      broadcast({ type: 'removeServicePort', index });
    },
    async listen(spec) {
      if (closed || draining) throw shuttingDown();
      const existing = listeners.get(spec.id);
      if (existing) return existing.bound;
      return mode === 'transfer' && spec.protocol === 'TCP' ? listenTransfer(spec) : listenOnWorkers(spec);
    },
    async sync() {
      if (closed || draining) return; // drained workers have closed their ports
      // An unlisten of an id no listener has is answered and changes nothing; ports deliver in order.
      const id = `\0sync-${syncs++}`;
      await Promise.all(slots.map((s) => ask(s, id, { type: 'unlisten', id })));
    },
    async sharedListeners() {
      // The transfer acceptor's listeners are bound without SO_REUSEPORT: nobody can join them.
      const all = [...listeners.values()].filter((l) => !l.server);
      const counts = await Promise.all(all.map((l) => census.count(l.bound.address, l.bound.port, l.spec.protocol)));
      return all.filter((l, i) => (counts[i] ?? 0) > (l.owner === undefined ? n : 1)).map((l) => l.spec.id);
    },
    async unlisten(id) {
      const l = listeners.get(id);
      if (!l) return;
      listeners.delete(id);
      if (l.server) { l.server.close(); return; }
      await Promise.all((l.owner === undefined ? slots : [slots[l.owner]]).map((s) => ask(s, id, { type: 'unlisten', id })));
    },
    drain(timeoutMs) {
      draining ??= (async () => {
        for (const t of restartTimers) clearTimeout(t);
        restartTimers.clear();
        for (const l of listeners.values()) l.server?.close();
        listeners.clear();
        transfer.reset();
        broadcast({ type: 'drain', timeoutMs });
        await Promise.allSettled(slots.map((s) => s.task));
      })();
      return draining;
    },
    async close() {
      if (closed) return;
      await pool.drain(0);
      closed = true;
      for (const s of slots) s.port.close();
      await Promise.all(slots.map((s) => s.host?.destroy()));
    },
    threads: () => slots.flatMap((s) => s.host?.threads() ?? []),
  };

  for (let i = 0; i < n; i++) startWorker(i);
  try {
    await new Promise<void>((resolve, reject) => {
      failStart = reject;
      if (slots.every((s) => s.ready)) resolve(); else readyWaiters.push(resolve);
    });
  } catch (err) {
    // Nothing of the pool may outlive the failed start: no restart, no thread, no port.
    await pool.close();
    throw err;
  }
  started = true;
  failStart = null;
  return pool;
}

/** Quick failures in a row of one worker, before the pool was ever ready, that end the start
 *  (with restartDelay's backoff: about 1.5 s of waiting between them). */
export const START_ATTEMPTS = 5;

function workerStartError(id: number, last: Error): Error {
  return new SyError('SY_WORKER_START_FAILED', `data-plane worker ${id} failed to start ${START_ATTEMPTS} times in a row; the last error: ${last.message}. ` +
    'Check that Node.js is 24 or newer and that the install is complete (npm ci); the log has every failure.', { cause: last });
}
