// A minimal one-thread TCP proxy for comparing splice implementations in isolation (no control
// plane, no workers, no picker): accept → connect round-robin → splice. Run by bench/profile-run.ts
// as a `micro-VARIANT` target; prints {"http":PORT,"sink":PORT} on stdout once listening.
//   node bench/splice-micro.ts VARIANT IP HOST:PORT[,HOST:PORT…] SINKHOST:PORT
// Variants: pipe (socket.pipe both ways), splice (src/data/splice.ts with its onread upstream from
// connectUpstream), splice-data (splice with a plain net.connect upstream, 'data' events both ways),
// handler (the real handleConnection with the endpoint table, picker, registry and metrics, on this
// one thread), raw (raw-splice.ts on raw handles, no handler), rawhandler (handleConnection over the
// raw transport, as a worker serves its reuseport listeners).
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createEndpointTable } from '../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../src/data/endpoint-picker.ts';
import { createConnectionRegistry } from '../src/data/connection-registry.ts';
import { socketTransport } from '../src/data/socket-transport.ts';
import { handleConnection, type HandlerContext, type ListenerContext } from '../src/data/connection-handler.ts';
import { startWorkerMetrics } from '../src/data/metrics-worker-recorder.ts';
import type { ServicePortOptions } from '../src/shared/messages.ts';
import { connectUpstream, splice } from '../src/data/splice.ts';
import { rawSplice } from '../src/data/raw-splice.ts';
import { connectRaw } from '../src/data/connect-raw.ts';
import type { TcpHandle } from '../src/data/raw-tcp.ts';
import { takeAcceptedHandles } from '../src/data/take-accepted-handles.ts';
import { RawClient, rawTransport } from '../src/data/raw-transport.ts';

const [variant, ip, backendList, sinkAddr] = process.argv.slice(2);
const parse = (s: string) => { const i = s.lastIndexOf(':'); return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }; };
const backends = backendList.split(',').map(parse);
const sink = parse(sinkAddr);
const IDLE_MS = 3_600_000;
const onClose = () => {};

function proxy(client: Socket, to: { host: string; port: number }): void {
  if (variant === 'pipe') {
    const up = connect({ host: to.host, port: to.port, allowHalfOpen: true, noDelay: true });
    up.once('connect', () => { client.pipe(up); up.pipe(client); client.resume(); });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    return;
  }
  const up = variant === 'splice' ? connectUpstream(to.host, to.port) : connect({ host: to.host, port: to.port, allowHalfOpen: true, noDelay: true });
  const onError = () => { up.destroy(); client.resetAndDestroy(); };
  up.once('error', onError);
  up.once('connect', () => {
    up.removeListener('error', onError);
    splice(client, up, { idleTimeoutMs: IDLE_MS, onClose });
  });
}

// The handler variant: one Service port per address list, as the control plane would publish it.
const table = createEndpointTable({ maxSlots: 64, maxServicePorts: 4, affinityEntries: 64 });
const slots = createEndpointSlots(table);
const picker = createEndpointPicker(table);
const OPTIONS: ServicePortOptions = { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 5000, idleTimeoutMs: IDLE_MS, connectAttempts: 1, maxConnections: 0 };
const ctx: HandlerContext = {
  picker, registry: createConnectionRegistry(), globalMaxConnections: 0, accessLog: null,
  countRefusal: (i, cause) => table.countRefusal(i, cause), metrics: startWorkerMetrics(table, 0),
};
function servicePort(addrs: { host: string; port: number }[]): ListenerContext {
  const index = slots.allocServicePort();
  const endpoints = slots.update(index, addrs.map((a) => ({ ip: a.host, port: a.port, ready: true, serving: true, terminating: false, weight: 1, name: `${a.host}:${a.port}` })));
  picker.setServicePort({ index, name: `default/s${index}:p/TCP`, generation: 1, options: OPTIONS, endpoints });
  return { id: `l${index}`, address: ip, port: 0, servicePortIndex: index, allowSource: null };
}
if (variant === 'rawhandler') {
  // The handler over raw handles, as a worker serves reuseport listeners (worker-main.ts).
  const httpLc = servicePort(backends);
  const sinkLc = servicePort([sink]);
  const opts = { allowHalfOpen: true, noDelay: true };
  const http = createServer(opts);
  const sinkServer = createServer(opts);
  http.listen(0, ip, () => sinkServer.listen(0, ip, () => {
    takeAcceptedHandles(http, (h) => handleConnection(new RawClient(h), rawTransport, httpLc, ctx));
    takeAcceptedHandles(sinkServer, (h) => handleConnection(new RawClient(h), rawTransport, sinkLc, ctx));
    process.stdout.write(`${JSON.stringify({ http: (http.address() as AddressInfo).port, sink: (sinkServer.address() as AddressInfo).port })}\n`);
  }));
  process.once('SIGTERM', () => process.exit(0));
} else if (variant === 'handler') {
  const httpLc = servicePort(backends);
  const sinkLc = servicePort([sink]);
  const opts = { pauseOnConnect: true, allowHalfOpen: true, noDelay: true };
  const http = createServer(opts, (c) => handleConnection(c, socketTransport, httpLc, ctx));
  const sinkServer = createServer(opts, (c) => handleConnection(c, socketTransport, sinkLc, ctx));
  http.listen(0, ip, () => sinkServer.listen(0, ip, () => {
    process.stdout.write(`${JSON.stringify({ http: (http.address() as AddressInfo).port, sink: (sinkServer.address() as AddressInfo).port })}\n`);
  }));
  process.once('SIGTERM', () => process.exit(0));
} else listenPlain();

// The raw variant: listening handles' onconnection taken over, raw handles both ways (raw-splice.ts).
function proxyRaw(client: TcpHandle, to: { host: string; port: number }): void {
  client.setNoDelay(true);
  let up: TcpHandle | number = -1;
  up = connectRaw(to.host, to.port, {
    onConnected(status) {
      if (status !== 0 || typeof up === 'number') { client.close(); if (typeof up !== 'number') up.close(); return; }
      up.setNoDelay(true);
      rawSplice(client, up, { idleTimeoutMs: IDLE_MS, onClose });
    },
  });
  if (typeof up === 'number') client.close();
}
function takeOver(server: import('node:net').Server, to: () => { host: string; port: number }): void {
  const h = (server as unknown as { _handle: { onconnection: (err: number, c?: TcpHandle) => void } })._handle;
  h.onconnection = (err, c) => { if (!err && c) proxyRaw(c, to()); };
}

function listenPlain(): void {
let rr = 0;
const opts = { pauseOnConnect: true, allowHalfOpen: true, noDelay: true };
const http = createServer(opts, (c) => proxy(c, backends[rr++ % backends.length]));
const sinkServer = createServer(opts, (c) => proxy(c, sink));
http.listen(0, ip, () => sinkServer.listen(0, ip, () => {
  if (variant === 'raw') {
    takeOver(http, () => backends[rr++ % backends.length]);
    takeOver(sinkServer, () => sink);
  }
  process.stdout.write(`${JSON.stringify({ http: (http.address() as AddressInfo).port, sink: (sinkServer.address() as AddressInfo).port })}\n`);
}));
process.once('SIGTERM', () => { http.close(); sinkServer.close(); process.exit(0); });
}
