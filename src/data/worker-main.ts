// The data-plane worker: the one long-lived piscina task each worker thread runs for its whole
// life. It serves connections handed over by the main thread (transfer mode) or accepted by its
// own SO_REUSEPORT listeners (reuseport mode: worker-tcp-listeners.ts), carries UDP flows
// (udp-plane.ts), and talks to the main thread only through `port` (MainToWorker in, WorkerToMain
// out). Resolves when told to drain and every connection is gone.
import type { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { attachEndpointTable } from '../shared/endpoint-table.ts';
import { attachWorkerLedger } from '../shared/worker-ledger.ts';
import type { ListenerSpec, MainToWorker, WorkerToMain } from '../shared/messages.ts';
import { createEndpointPicker } from './endpoint-picker.ts';
import { seededRandom } from '../balancers/seeded-random.ts';
import { createAccessLogBatch } from './access-log-batch.ts';
import { createConnectionRegistry } from './connection-registry.ts';
import { socketTransport } from './socket-transport.ts';
import { handleConnection, type HandlerContext, type ListenerContext } from './connection-handler.ts';
import { ledgeredPicker } from './ledgered-picker.ts';
import { startWorkerMetrics } from './metrics-worker-recorder.ts';
import { threadClock } from './thread-clock.ts';
import { UdpPlane } from './udp-plane.ts';
import { createWorkerTcpListeners } from './worker-tcp-listeners.ts';
import { SyError } from '../model/sy-error.ts';

export interface WorkerConfig {
  /** Seed of this worker's random stream (seed + workerId); undefined = Math.random. For reproducible tests. */
  randomSeed?: number;
  drainTimeoutMs: number;
  accessLog: boolean;
  /** Global max concurrent connections; 0 = unlimited. */
  maxConnections: number;
  /** Global max live UDP flows (--max-udp-flows); 0 = unlimited. */
  maxUdpFlows?: number;
  /** Every worker binds each UDP listener with SO_REUSEPORT (per-worker sockets); false: one worker binds it alone. */
  udpReusePort?: boolean;
  /** SO_RCVBUF asked for on UDP listeners (bytes; 0 = kernel default). */
  udpRecvBufferBytes?: number;
}

export interface WorkerTask {
  workerId: number;
  port: MessagePort;
  tableBuffer: SharedArrayBuffer;
  /** This worker's own share of the table's active counts (createWorkerLedger), kept by the pool. */
  ledgerBuffer: SharedArrayBuffer;
  config: WorkerConfig;
}

export interface WorkerResult {
  workerId: number;
}

const LOG_BATCH_LINES = 256;
const LOG_BATCH_MS = 100;
/** After the drain closed every connection, how long one may take to report closed before it is logged. */
const DRAIN_OVERDUE_MS = 2000;

export default async function run({ workerId, port, tableBuffer, ledgerBuffer, config }: WorkerTask): Promise<WorkerResult> {
  const table = attachEndpointTable(tableBuffer);
  const picker = ledgeredPicker(createEndpointPicker(table, {
    random: config.randomSeed === undefined ? undefined : seededRandom(config.randomSeed + workerId),
  }), attachWorkerLedger(ledgerBuffer));
  const registry = createConnectionRegistry();
  let drainTimeoutMs = config.drainTimeoutMs;
  let draining = false;
  const post = (m: WorkerToMain) => port.postMessage(m);
  const accessLog = createAccessLogBatch({
    post: (lines) => post({ type: 'accessLog', lines }), maxLines: LOG_BATCH_LINES, maxDelayMs: LOG_BATCH_MS, clock: threadClock,
  });

  const ctx: HandlerContext = {
    picker, registry, globalMaxConnections: config.maxConnections,
    accessLog: config.accessLog ? accessLog.add : null,
    countRefusal: (index, cause) => table.countRefusal(index, cause),
    metrics: startWorkerMetrics(table, workerId),
  };

  const udp = new UdpPlane({
    workerId, table, picker, maxFlows: config.maxUdpFlows ?? 0, reusePort: config.udpReusePort ?? true,
    recvBufferBytes: config.udpRecvBufferBytes ?? 0, accessLog: () => ctx.accessLog,
    log: (level, message) => post({ type: 'log', level, message }),
  });
  const tcp = createWorkerTcpListeners(workerId, ctx, post);

  // Transfer mode: the main thread already applied source ranges; this only names the listener
  // for the access log, cached per listener id so a connection allocates nothing for it.
  const transferListeners = new Map<string, ListenerContext>();

  const listenUdp = (spec: ListenerSpec) => {
    try {
      udp.listen(spec);
      post({ type: 'listening', id: spec.id });
    } catch (err) {
      const e = err as SyError;
      post({ type: 'listening', id: spec.id, error: { code: e instanceof SyError ? e.code : 'SY_LISTEN_FAILED', systemCode: e.systemCode, message: e.message } });
    }
  };

  let resolveDone!: (r: WorkerResult) => void;
  const done = new Promise<WorkerResult>((r) => { resolveDone = r; });

  const drain = async (timeoutMs: number) => {
    if (draining) return;
    draining = true;
    tcp.stop();
    // Every connection has been closed by timeoutMs; one still registered long after that has a
    // socket whose close never completed (reset-socket.ts), and the drain waits for it: say so.
    const overdue = setTimeout(() => post({
      type: 'log', level: 'error',
      message: `data-plane worker ${workerId}: ${registry.size} connection(s) still open ${DRAIN_OVERDUE_MS} ms after the drain closed them; the drain waits for them`,
    }), timeoutMs + DRAIN_OVERDUE_MS);
    overdue.unref();
    await Promise.all([registry.drainAll(timeoutMs), udp.drain(timeoutMs)]);
    clearTimeout(overdue);
    ctx.metrics?.stop();
    accessLog.flush();
    post({ type: 'drained', workerId });
    port.close();
    resolveDone({ workerId });
  };

  port.on('message', (m: MainToWorker) => {
    switch (m.type) {
      case 'servicePort': {
        const previous = picker.servicePort(m.snapshot.index);
        picker.setServicePort(m.snapshot);
        if (previous) {
          const keep = new Set(m.snapshot.endpoints.map((e) => e.slot));
          registry.drainSlots(m.snapshot.index, keep, drainTimeoutMs);
          udp.servicePortChanged(m.snapshot.index);
        }
        break;
      }
      case 'removeServicePort':
        registry.drainServicePort(m.index, drainTimeoutMs);
        udp.removeServicePort(m.index);
        picker.removeServicePort(m.index);
        break;
      case 'listen':
        if (draining) {
          post({ type: 'listening', id: m.listener.id, error: { code: 'SY_DRAINING', message: 'the worker is draining' } });
        } else if (m.listener.protocol === 'UDP') listenUdp(m.listener);
        else tcp.listen(m.listener);
        break;
      case 'unlisten':
        // An id no listener has is answered too: the pool's sync() relies on it.
        if (!udp.unlisten(m.id)) tcp.unlisten(m.id);
        post({ type: 'unlistened', id: m.id });
        break;
      case 'connection': {
        const socket = m.socket as Socket;
        if (draining) { socket.resetAndDestroy(); break; }
        let lc = transferListeners.get(m.listenerId);
        if (!lc || lc.servicePortIndex !== m.servicePortIndex) {
          lc = {
            id: m.listenerId, address: socket.localAddress ?? '', port: socket.localPort ?? 0,
            servicePortIndex: m.servicePortIndex, allowSource: null,
          };
          transferListeners.set(m.listenerId, lc);
        }
        handleConnection(socket, socketTransport, lc, ctx);
        break;
      }
      case 'drain':
        void drain(m.timeoutMs);
        break;
      case 'config':
        drainTimeoutMs = m.drainTimeoutMs;
        ctx.accessLog = m.accessLog ? accessLog.add : null;
        break;
    }
  });
  // The main thread went away without a drain: nothing is left to serve.
  port.on('close', () => { if (!draining) void drain(0); });
  post({ type: 'ready', workerId });
  return done;
}
