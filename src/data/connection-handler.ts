// One accepted client connection on a data-plane worker thread: source-range check, admission,
// pick → connect (retrying other endpoints) → PROXY header → splice → accounting and access log.
// Every refusal is an immediate reset (kube-proxy REJECT), never a hanging socket. The sockets
// are reached through a ConnectionTransport: raw handles or net.Socket (connection-transport.ts).
import type { ConnectionTransport } from './connection-transport.ts';
import type { EndpointPicker, PickResult } from '../shared/endpoint-picker-api.ts';
import type { RefusalCause } from '../shared/endpoint-table-layout.ts';
import { HANDSHAKE, type ConnectionRegistry, type LiveConnection } from './connection-registry.ts';
import { encodeProxyHeader } from './proxy-protocol.ts';
import type { Splice, SpliceEnd } from './splice.ts';
import type { TrafficAccount, WorkerMetricsRecorder } from './metrics-worker-recorder.ts';

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
  | 'connect-failed' | 'client-gone';

export function hostPort(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '-';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function handleConnection<C, U>(client: C, transport: ConnectionTransport<C, U>, listener: ListenerContext, ctx: HandlerContext): void {
  const started = performance.now();
  const index = listener.servicePortIndex;
  const { picker } = ctx;
  const options = picker.servicePort(index)?.options;
  // The client's address costs a getpeername(2) and a string: read it only when something uses it
  // (source ranges, the access log, ClientIP affinity, a PROXY header).
  const needAddress = listener.allowSource !== null || ctx.accessLog !== null
    || (options !== undefined && (options.affinitySeconds > 0 || options.proxyProtocol !== 0));
  const clientIp = needAddress ? transport.remoteAddress(client) : '';
  const clientPort = needAddress ? transport.remotePort(client) : undefined;
  // Hold every client byte until the upstream is connected (and the PROXY header written).
  transport.hold(client);

  let attempts = 0;
  let connectMs = -1;
  let endpoint: PickResult | null = null;
  let clientGone = false;

  const log = (end: ConnectionEnd, bytesIn = 0, bytesOut = 0, error?: string) => {
    if (!ctx.accessLog) return;
    ctx.accessLog(JSON.stringify({
      time: new Date().toISOString(),
      client: hostPort(clientIp, clientPort),
      listener: hostPort(listener.address, listener.port),
      servicePort: picker.servicePort(index)?.name ?? String(index),
      endpoint: endpoint ? hostPort(endpoint.host, endpoint.port) : null,
      endpointName: endpoint?.name ?? null,
      bytesIn, bytesOut,
      connectMs: connectMs < 0 ? null : Math.round(connectMs * 1000) / 1000,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      attempts, end, ...(error ? { error } : {}),
    }));
  };

  const refuse = (end: ConnectionEnd) => {
    transport.reset(client);
    log(end);
  };

  if (clientIp === undefined || !transport.alive(client)) { transport.drop(client); log('client-gone'); return; }
  if (listener.allowSource !== null && !listener.allowSource(clientIp)) {
    // A drop, not a refusal: the client learns nothing beyond the closed connection.
    transport.drop(client);
    ctx.countRefusal?.(index, 'sourceRange');
    log('source-range');
    return;
  }
  if (!picker.hasUsable(index)) {
    ctx.countRefusal?.(index, 'noEndpoints');
    refuse('no-endpoints');
    return;
  }
  const admitted = picker.tryAdmit(index, ctx.globalMaxConnections);
  if (admitted !== 'ok') { refuse(admitted === 'global' ? 'max-connections-global' : 'max-connections-service'); return; }

  // Registered while connecting, so that a worker drain waits for this connection (and cuts it at
  // the timeout) instead of ending the worker's task under it.
  let abortConnect: (() => void) | null = null;
  const handshake: LiveConnection = {
    servicePortIndex: index, slot: HANDSHAKE,
    close: () => { clientGone = true; transport.reset(client); abortConnect?.(); },
  };
  ctx.registry.add(handshake);

  const connectTimeoutMs = options?.connectTimeoutMs ?? 5000;
  const maxAttempts = Math.max(1, options?.connectAttempts ?? 1);
  const tried: number[] = [];
  let lastError: string | undefined;

  const attempt = () => {
    if (clientGone) { ctx.registry.delete(handshake); picker.release(index); log('client-gone', 0, 0, lastError); return; }
    const pick = attempts < maxAttempts ? picker.pick(index, clientIp, tried) : null;
    if (!pick) {
      ctx.registry.delete(handshake);
      picker.release(index);
      refuse(attempts === 0 ? 'no-endpoints' : 'connect-failed');
      return;
    }
    attempts++;
    if (attempts > 1) ctx.metrics?.retried(index);
    endpoint = pick;
    tried.push(pick.slot);
    const t0 = performance.now();
    let settled = false;
    const upstream = transport.connect(pick.host, pick.port, (error) => {
      if (settled) return;
      if (error !== null) { fail(error); return; }
      settled = true;
      clearTimeout(timer);
      connectMs = performance.now() - t0;
      picker.connectSucceeded(pick.slot);
      ctx.metrics?.connected(index, connectMs / 1000);
      if (clientGone) {
        transport.abort(upstream);
        ctx.registry.delete(handshake);
        picker.release(index);
        log('client-gone');
        return;
      }
      established(upstream, pick);
    });
    const timer = setTimeout(() => fail('ETIMEDOUT'), connectTimeoutMs);
    abortConnect = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      transport.abort(upstream);
      ctx.registry.delete(handshake);
      picker.release(index);
      log('drained', 0, 0, lastError);
    };
    function fail(code: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      transport.abort(upstream);
      lastError = code;
      picker.connectFailed(pick!.slot);
      ctx.metrics?.connectFailed(index);
      attempt();
    }
  };

  const established = (upstream: U, pick: PickResult) => {
    picker.opened(index, pick.slot);
    const proxy = options?.proxyProtocol ?? 0;
    const head = proxy === 0 ? null : encodeProxyHeader(proxy, {
      sourceAddress: clientIp, sourcePort: clientPort ?? 0,
      destinationAddress: transport.localAddress(client) ?? listener.address, destinationPort: transport.localPort(client) ?? listener.port,
    });
    const live: LiveConnection = { servicePortIndex: index, slot: pick.slot, close: (r) => s.close(r) };
    let done = false;
    // Registered before the splice starts: it may finish synchronously and call onClose at once.
    const account: TrafficAccount = {
      servicePortIndex: index, slot: pick.slot, flushedIn: 0, flushedOut: 0,
      read: () => ({ bytesIn: s.bytesIn, bytesOut: s.bytesOut }),
    };
    ctx.metrics?.opened(account);
    const s: Splice = transport.splice(client, upstream, head, {
      idleTimeoutMs: options?.idleTimeoutMs ?? 0,
      onClose: (stats) => {
        done = true;
        ctx.registry.delete(live);
        picker.closed(index, pick.slot);
        picker.release(index);
        ctx.metrics?.closed(account, stats.bytesIn, stats.bytesOut, (performance.now() - started) / 1000);
        log(stats.end, stats.bytesIn, stats.bytesOut, stats.error);
      },
    });
    // The splice may already have finished if both sockets died before it attached.
    if (!done) ctx.registry.add(live);
    // Only now: had the handshake entry gone first, a drain could see zero connections and resolve.
    ctx.registry.delete(handshake);
  };

  attempt();
}
