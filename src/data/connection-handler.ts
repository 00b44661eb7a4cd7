// One accepted client connection on a data-plane worker thread: source-range check, admission,
// pick → connect (retrying other endpoints) → PROXY header → splice → accounting and access log.
// Every refusal is an immediate reset (kube-proxy REJECT), never a hanging socket. The sockets
// are reached through a ConnectionTransport: raw handles or net.Socket (connection-transport.ts).
//
// A connection is one ClientConnection object through its whole life: the registry's entry
// (first as handshaking, then moved to its endpoint's slot), the metrics' byte account, the
// connect attempt's owner and its connect deadline. One object rather than closures, several
// entries and a Node timer per connection, because what the handler allocates per connection is
// most of what it adds to the bare raw proxy (bench/README.md, "Where the time goes").
import type { ConnectionTransport, ConnectOwner } from './connection-transport.ts';
import { clearDeadline, deadlineNow, setDeadline, type DeadlineEntry } from './connect-deadlines.ts';
import type { EndpointPicker, PickResult } from '../shared/endpoint-picker-api.ts';
import type { RefusalCause } from '../shared/endpoint-table-layout.ts';
import { LOCAL_ERRORS } from './local-errors.ts';
import { HANDSHAKE, type ConnectionRegistry, type LiveConnection } from './connection-registry.ts';
import { encodeProxyHeader } from './proxy-protocol.ts';
import type { Splice, SpliceEnd, SpliceStats } from './splice-types.ts';
import type { ServicePortOptions } from '../shared/messages.ts';
import type { TrafficAccount, WorkerMetricsRecorder } from './metrics-worker-recorder.ts';
import { joinHostPort } from '../model/ip-address.ts';

export interface ListenerContext {
  id: string;
  address: string;
  port: number;
  servicePortIndex: number;
  /** Source-range predicate on loadBalancer listeners with sourceRanges; null = every source. */
  allowSource: ((ip: string) => boolean) | null;
}

export interface HandlerContext {
  picker: EndpointPicker;
  registry: ConnectionRegistry;
  /** Global max concurrent connections across workers; 0 = unlimited. */
  globalMaxConnections: number;
  /** Receives one JSON line per connection; null = access log off. */
  accessLog: ((line: string) => void) | null;
  /** Refusal counters in the shared table (the picker counts max-connections itself). */
  countRefusal?: (servicePortIndex: number, cause: RefusalCause) => void;
  /** Bytes, connect latency, duration, retries and connect errors into the shared table. */
  metrics?: WorkerMetricsRecorder;
}

/** How a connection ended: the splice reasons, or why it never reached a backend. */
export type ConnectionEnd =
  | SpliceEnd
  | 'source-range' | 'no-endpoints' | 'max-connections-global' | 'max-connections-service'
  | 'connect-failed' | 'local-error' | 'client-gone';

function hostPort(host: string | undefined, port: number | undefined): string {
  return host === undefined ? '-' : joinHostPort(host, String(port));
}

const NOT_TRIED: readonly number[] = [];
/** The connect timeout when the listener's Service port had no snapshot at accept. */
const FALLBACK_CONNECT_TIMEOUT_MS = 5000;


class ClientConnection<C, U> implements LiveConnection, TrafficAccount, DeadlineEntry, ConnectOwner<U> {
  // LiveConnection: HANDSHAKE until an upstream is connected, then the endpoint's slot.
  readonly servicePortIndex: number;
  slot = HANDSHAKE;
  // TrafficAccount
  flushedIn = 0;
  flushedOut = 0;
  // DeadlineEntry (connect-deadlines.ts)
  deadlineAt = 0;
  deadlinePrev: DeadlineEntry | null = null;
  deadlineNext: DeadlineEntry | null = null;
  deadlineList: DeadlineEntry['deadlineList'] = null;

  private readonly client: C;
  private readonly transport: ConnectionTransport<C, U>;
  private readonly listener: ListenerContext;
  private readonly ctx: HandlerContext;
  private readonly options: ServicePortOptions | undefined;
  private readonly started: number;
  private clientIp: string | undefined = '';
  private clientPort: number | undefined = undefined;
  private attempts = 0;
  private connectMs = -1;
  private endpoint: PickResult | null = null;
  /** The upstream of the attempt in flight (null between attempts and once settled). */
  private upstream: U | null = null;
  private attemptStarted = 0;
  private tried: readonly number[] = NOT_TRIED;
  private lastError: string | undefined = undefined;
  private clientGone = false;
  private splice: Splice | null = null;
  private spliceDone = false;

  constructor(client: C, transport: ConnectionTransport<C, U>, listener: ListenerContext, ctx: HandlerContext) {
    this.started = performance.now();
    this.client = client;
    this.transport = transport;
    this.listener = listener;
    this.ctx = ctx;
    this.servicePortIndex = listener.servicePortIndex;
    this.options = ctx.picker.servicePort(listener.servicePortIndex)?.options;
  }

  start(): void {
    const { transport, client, listener, ctx, options } = this;
    const index = this.servicePortIndex;
    // The client's address costs a getpeername(2) and a string: read it only when something uses
    // it (source ranges, the access log, ClientIP affinity, a PROXY header).
    if (listener.allowSource !== null || ctx.accessLog !== null
      || (options !== undefined && (options.affinitySeconds > 0 || options.proxyProtocol !== 0))) {
      this.clientIp = transport.remoteAddress(client);
      this.clientPort = transport.remotePort(client);
    }
    // Hold every client byte until the upstream is connected (and the PROXY header written).
    transport.hold(client);
    if (this.clientIp === undefined || !transport.alive(client)) { transport.drop(client); this.log('client-gone'); return; }
    if (listener.allowSource !== null && !listener.allowSource(this.clientIp)) {
      // A drop, not a refusal: the client learns nothing beyond the closed connection.
      transport.drop(client);
      ctx.countRefusal?.(index, 'sourceRange');
      this.log('source-range');
      return;
    }
    if (!ctx.picker.hasUsable(index)) {
      ctx.countRefusal?.(index, 'noEndpoints');
      this.refuse('no-endpoints');
      return;
    }
    const admitted = ctx.picker.tryAdmit(index, ctx.globalMaxConnections);
    if (admitted !== 'ok') { this.refuse(admitted === 'global' ? 'max-connections-global' : 'max-connections-service'); return; }
    // Registered while connecting, so that a worker drain waits for this connection (and cuts it
    // at the timeout) instead of ending the worker's task under it.
    ctx.registry.add(this);
    this.attempt();
  }

  /** The registry's cut (drain timeout, shutdown). */
  close(reason: SpliceEnd): void {
    if (this.splice) { this.splice.close(reason); return; }
    this.clientGone = true;
    this.transport.reset(this.client);
    if (this.upstream !== null) {
      // Cut while connecting: abandon the attempt and let go of the admission.
      this.abandonAttempt();
      this.unregister();
      this.log('drained', 0, 0, this.lastError);
    }
  }

  private attempt(): void {
    const { ctx } = this;
    const index = this.servicePortIndex;
    if (this.clientGone) { this.unregister(); this.log('client-gone', 0, 0, this.lastError); return; }
    const pick = this.attempts < Math.max(1, this.options?.connectAttempts ?? 1) ? ctx.picker.pick(index, this.clientIp!, this.tried) : null;
    if (!pick) {
      this.unregister();
      this.refuse(this.attempts === 0 ? 'no-endpoints' : 'connect-failed', this.lastError);
      return;
    }
    this.attempts++;
    if (this.attempts > 1) ctx.metrics?.retried(index);
    this.endpoint = pick;
    this.tried = this.tried === NOT_TRIED ? [pick.slot] : [...this.tried, pick.slot];
    this.attemptStarted = deadlineNow();
    this.upstream = this.transport.connect(pick.host, pick.port, this);
    setDeadline(this, this.options?.connectTimeoutMs ?? FALLBACK_CONNECT_TIMEOUT_MS, this.attemptStarted);
  }

  /** ConnectOwner: an attempt connected or failed. Only the one in flight counts: an abandoned
   *  attempt (timed out, cut by a drain) may still answer. */
  connectDone(upstream: U, error: string | null): void {
    if (upstream !== this.upstream) return;
    if (error !== null) { this.attemptFailed(error); return; }
    const { ctx } = this;
    const pick = this.endpoint!;
    this.upstream = null;
    clearDeadline(this);
    this.connectMs = deadlineNow() - this.attemptStarted;
    ctx.picker.connectSucceeded(pick.slot);
    ctx.metrics?.connected(this.servicePortIndex, this.connectMs / 1000);
    if (this.clientGone) {
      this.transport.abort(upstream);
      this.unregister();
      this.log('client-gone');
      return;
    }
    this.established(upstream, pick);
  }

  /** DeadlineEntry: the attempt in flight took longer than the connect timeout. */
  deadlinePassed(): void { this.attemptFailed('ETIMEDOUT'); }

  private attemptFailed(code: string): void {
    this.abandonAttempt();
    this.lastError = code;
    if (LOCAL_ERRORS.has(code)) {
      // This process could not connect out, whatever the endpoint: not the backend's failure (no
      // passive-health count, which would eject healthy backends), and no retry elsewhere, which
      // would fail the same way. The client is refused at once.
      this.unregister();
      this.ctx.countRefusal?.(this.servicePortIndex, 'localError');
      this.refuse('local-error', code);
      return;
    }
    this.ctx.picker.connectFailed(this.endpoint!.slot);
    this.ctx.metrics?.connectFailed(this.servicePortIndex);
    this.attempt();
  }

  private abandonAttempt(): void {
    const u = this.upstream;
    if (u === null) return;
    this.upstream = null;
    clearDeadline(this);
    this.transport.abort(u);
  }

  /** Leaves the registry before reaching an endpoint, and gives the admission back. */
  private unregister(): void {
    this.ctx.registry.delete(this);
    this.ctx.picker.release(this.servicePortIndex);
  }

  private established(upstream: U, pick: PickResult): void {
    const { ctx, transport, client, listener } = this;
    const index = this.servicePortIndex;
    ctx.picker.opened(index, pick.slot);
    const proxy = this.options?.proxyProtocol ?? 0;
    const head = proxy === 0 ? null : encodeProxyHeader(proxy, {
      sourceAddress: this.clientIp!, sourcePort: this.clientPort ?? 0,
      destinationAddress: transport.localAddress(client) ?? listener.address, destinationPort: transport.localPort(client) ?? listener.port,
    });
    // The byte account and the registry entry name the endpoint from here on; the registry still
    // holds this under HANDSHAKE until move(), so a splice that ends at once leaves from there.
    this.slot = pick.slot;
    ctx.metrics?.opened(this);
    this.splice = transport.splice(client, upstream, head, {
      idleTimeoutMs: this.options?.idleTimeoutMs ?? 0,
      onClose: (stats) => this.spliceClosed(stats),
    });
    // Only now, in one step: had the handshake entry gone before the slot's was there, a drain
    // could see zero connections and resolve.
    if (!this.spliceDone) ctx.registry.move(this);
  }

  private spliceClosed(stats: SpliceStats): void {
    const { ctx } = this;
    const index = this.servicePortIndex;
    this.spliceDone = true;
    ctx.registry.delete(this);
    ctx.picker.closed(index, this.slot);
    ctx.picker.release(index);
    ctx.metrics?.closed(this, stats.bytesIn, stats.bytesOut, (performance.now() - this.started) / 1000);
    this.log(stats.end, stats.bytesIn, stats.bytesOut, stats.error);
  }

  /** TrafficAccount: the splice's running byte counts. */
  read(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.splice?.bytesIn ?? 0, bytesOut: this.splice?.bytesOut ?? 0 };
  }

  private refuse(end: ConnectionEnd, error?: string): void {
    this.transport.reset(this.client);
    this.log(end, 0, 0, error);
  }

  private log(end: ConnectionEnd, bytesIn = 0, bytesOut = 0, error?: string): void {
    const { ctx, listener, endpoint } = this;
    if (!ctx.accessLog) return;
    ctx.accessLog(JSON.stringify({
      time: new Date().toISOString(),
      client: hostPort(this.clientIp, this.clientPort),
      listener: hostPort(listener.address, listener.port),
      servicePort: ctx.picker.servicePort(this.servicePortIndex)?.name ?? String(this.servicePortIndex),
      endpoint: endpoint ? hostPort(endpoint.host, endpoint.port) : null,
      endpointName: endpoint?.name ?? null,
      bytesIn, bytesOut,
      connectMs: this.connectMs < 0 ? null : Math.round(this.connectMs * 1000) / 1000,
      durationMs: Math.round((performance.now() - this.started) * 1000) / 1000,
      attempts: this.attempts, end, ...(error ? { error } : {}),
    }));
  }
}

export function handleConnection<C, U>(client: C, transport: ConnectionTransport<C, U>, listener: ListenerContext, ctx: HandlerContext): void {
  new ClientConnection(client, transport, listener, ctx).start();
}
