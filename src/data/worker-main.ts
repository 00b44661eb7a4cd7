// The data-plane worker: the one long-lived piscina task each worker thread runs for its whole
// life. It serves connections handed over by the main thread (transfer mode) or accepted by its
// own SO_REUSEPORT listeners (reuseport mode), and talks to the main thread only through `port`
// (MainToWorker in, WorkerToMain out). Resolves when told to drain and every connection is gone.
import { createServer, type Server, type Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { attachEndpointTable } from '../shared/endpoint-table.ts';
import { attachWorkerLedger, type WorkerLedger } from '../shared/worker-ledger.ts';
import type { EndpointPicker } from '../shared/endpoint-picker-api.ts';
import type { ListenerSpec, MainToWorker, WorkerToMain } from '../shared/messages.ts';
import { createEndpointPicker } from './endpoint-picker.ts';
import { seededRandom } from '../balancers/seeded-random.ts';
import { createCidrMatcher } from './cidr-matcher.ts';
import { createConnectionRegistry } from './connection-registry.ts';
import { takeAcceptedHandles } from './take-accepted-handles.ts';
import { rawTcp, type TcpHandle } from './raw-tcp.ts';
import { RawClient, rawTransport } from './raw-transport.ts';
import { socketTransport } from './socket-transport.ts';
import { acceptedSocket } from './splice.ts';
import { handleConnection, type HandlerContext, type ListenerContext } from './connection-handler.ts';
import { startWorkerMetrics } from './metrics-worker-recorder.ts';
import { UdpPlane } from './udp-plane.ts';
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
const ACCEPT_LOG_MS = 10_000;

export function listenerContext(spec: ListenerSpec): ListenerContext {
  // Kubernetes applies loadBalancerSourceRanges to the load-balancer address only, not NodePorts.
  const allowSource = spec.role === 'loadBalancer' && spec.sourceRanges.length > 0 ? createCidrMatcher(spec.sourceRanges) : null;
  return { id: spec.id, address: spec.address, port: spec.port, servicePortIndex: spec.servicePortIndex, allowSource };
}

/** The picker, with every active-count change mirrored in this worker's ledger. Order: table
 *  first on the way up, ledger first on the way down (see WorkerLedger). */
export function ledgeredPicker(picker: EndpointPicker, ledger: WorkerLedger): EndpointPicker {
  return {
    setServicePort: (snapshot) => picker.setServicePort(snapshot),
    removeServicePort: (index) => picker.removeServicePort(index),
    servicePort: (index) => picker.servicePort(index),
    pick: (index, clientIp, tried) => picker.pick(index, clientIp, tried),
    hasUsable: (index) => picker.hasUsable(index),
    opened(index, slot) { picker.opened(index, slot); ledger.slotOpened(slot); },
    closed(index, slot) { ledger.slotClosed(slot); picker.closed(index, slot); },
    connectFailed: (slot) => picker.connectFailed(slot),
    connectSucceeded: (slot) => picker.connectSucceeded(slot),
    flowUsable: (index, slot) => picker.flowUsable(index, slot),
    icmpRefused: (slot, failure) => picker.icmpRefused(slot, failure),
    tryAdmitFlow(index, maxFlows) {
      const ok = picker.tryAdmitFlow(index, maxFlows);
      if (ok) ledger.flowAdmitted(index);
      return ok;
    },
    releaseFlow(index) { ledger.flowReleased(index); picker.releaseFlow(index); },
    tryAdmit(index, globalMax) {
      const r = picker.tryAdmit(index, globalMax);
      if (r === 'ok') ledger.admitted(index);
      return r;
    },
    release(index) { ledger.released(index); picker.release(index); },
  };
}

export default async function run({ workerId, port, tableBuffer, ledgerBuffer, config }: WorkerTask): Promise<WorkerResult> {
  const table = attachEndpointTable(tableBuffer);
  const picker = ledgeredPicker(createEndpointPicker(table, {
    random: config.randomSeed === undefined ? undefined : seededRandom(config.randomSeed + workerId),
  }), attachWorkerLedger(ledgerBuffer));
  const registry = createConnectionRegistry();
  const servers = new Map<string, Server>();
  let drainTimeoutMs = config.drainTimeoutMs;
  let draining = false;
  const post = (m: WorkerToMain) => port.postMessage(m);

  // Access-log lines are batched and posted, so the worker never waits on a file or stdout.
  let lines: string[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (flushTimer) { clearTimeout(flushTimer); flushTimer = null; }
    if (lines.length === 0) return;
    post({ type: 'accessLog', lines });
    lines = [];
  };
  const accessLog = (line: string) => {
    lines.push(line);
    if (lines.length >= LOG_BATCH_LINES) flush();
    else if (!flushTimer) flushTimer = setTimeout(flush, LOG_BATCH_MS);
  };

  const ctx: HandlerContext = {
    picker, registry, globalMaxConnections: config.maxConnections,
    accessLog: config.accessLog ? accessLog : null,
    countRefusal: (index, cause) => table.countRefusal(index, cause),
    metrics: startWorkerMetrics(table, workerId),
  };

  const udp = new UdpPlane({
    workerId, table, picker, maxFlows: config.maxUdpFlows ?? 0, reusePort: config.udpReusePort ?? true,
    recvBufferBytes: config.udpRecvBufferBytes ?? 0, accessLog: () => ctx.accessLog,
    log: (level, message) => post({ type: 'log', level, message }),
  });

  // Transfer mode: the main thread already applied source ranges; this only names the listener
  // for the access log, cached per listener id so a connection allocates nothing for it.
  const transferListeners = new Map<string, ListenerContext>();

  // Accept errors (EMFILE while the process is out of descriptors) come once per connection tried:
  // logged at most every ACCEPT_LOG_MS per worker, with how many were not.
  let acceptErrorsSince = 0;
  let acceptLoggedAt = -Infinity;
  const acceptError = (id: string, err: NodeJS.ErrnoException) => {
    const now = Date.now();
    acceptErrorsSince++;
    if (now - acceptLoggedAt < ACCEPT_LOG_MS) return;
    const more = acceptErrorsSince > 1 ? ` (${acceptErrorsSince - 1} more accept errors since the last report)` : '';
    post({ type: 'log', level: 'error', message: `worker ${workerId}: listener ${id}: ${err.message}${more}` });
    acceptLoggedAt = now;
    acceptErrorsSince = 0;
  };

  let warnedStreamAccept = false;
  // Raw TCP handles end to end when this Node offers the bindings (raw-tcp.ts); else net.Socket.
  const raw = rawTcp() !== null;
  if (!raw) post({ type: 'log', level: 'warn', message: `worker ${workerId}: this Node does not offer the raw TCP bindings; connections use net.Socket (more CPU per request)` });
  const listen = (spec: ListenerSpec) => {
    const existing = servers.get(spec.id);
    if (existing) { post({ type: 'listening', id: spec.id }); return; }
    const lc = listenerContext(spec);
    // Accepted in the same turn as the drain that closed this server: refuse, never serve late.
    const serve = (socket: Socket) => {
      if (draining) { socket.resetAndDestroy(); return; }
      handleConnection(socket, socketTransport, lc, ctx);
    };
    const serveHandle = (handle: TcpHandle) => {
      if (draining) { handle.reset(); return; }
      if (raw) handleConnection(new RawClient(handle), rawTransport, lc, ctx);
      else handleConnection(acceptedSocket(handle), socketTransport, lc, ctx);
    };
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, serve);
    const onError = (err: NodeJS.ErrnoException) => {
      servers.delete(spec.id);
      post({ type: 'listening', id: spec.id, error: { code: 'SY_LISTEN_FAILED', systemCode: err.code, message: err.message } });
    };
    server.once('error', onError);
    server.listen({ host: spec.address, port: spec.port, reusePort: true }, () => {
      server.removeListener('error', onError);
      if (!takeAcceptedHandles(server, serveHandle) && !warnedStreamAccept) {
        warnedStreamAccept = true;
        post({ type: 'log', level: 'warn', message: `worker ${workerId}: this Node's listening handle has no onconnection hook; accepted sockets use the stream path (more CPU per request)` });
      }
      server.on('error', (err) => acceptError(spec.id, err));
      post({ type: 'listening', id: spec.id });
    });
    servers.set(spec.id, server);
  };

  const listenUdp = (spec: ListenerSpec) => {
    try {
      udp.listen(spec);
      post({ type: 'listening', id: spec.id });
    } catch (err) {
      const e = err as SyError;
      post({ type: 'listening', id: spec.id, error: { code: e instanceof SyError ? e.code : 'SY_LISTEN_FAILED', systemCode: e.systemCode, message: e.message } });
    }
  };

  const unlisten = (id: string) => {
    if (udp.unlisten(id)) { post({ type: 'unlistened', id }); return; }
    const server = servers.get(id);
    servers.delete(id);
    // close() stops accepting at once; established connections are not the server's to end.
    server?.close();
    post({ type: 'unlistened', id });
  };

  let resolveDone!: (r: WorkerResult) => void;
  const done = new Promise<WorkerResult>((r) => { resolveDone = r; });

  const drain = async (timeoutMs: number) => {
    if (draining) return;
    draining = true;
    for (const [id, server] of servers) {
      // A listen still binding never calls back once its server is closed: answer it here.
      if (!server.listening) post({ type: 'listening', id, error: { code: 'SY_DRAINING', message: 'the worker is draining' } });
      server.close();
    }
    servers.clear();
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
    flush();
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
        else listen(m.listener);
        break;
      case 'unlisten':
        unlisten(m.id);
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
        ctx.accessLog = m.accessLog ? accessLog : null;
        break;
    }
  });
  // The main thread went away without a drain: nothing is left to serve.
  port.on('close', () => { if (!draining) void drain(0); });
  post({ type: 'ready', workerId });
  return done;
}
