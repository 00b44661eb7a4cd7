// The DNS responder's sockets: UDP and TCP on each kube-dns address, answered on the main thread
// from the zone in memory (dns-answerer.ts). UDP answers are sent from the 'message' callback;
// TCP (RFC 7766) takes length-framed queries, pipelined, answered in any order, and closes
// connections idle for 10 s. An address that cannot be bound is retried every 5 s and reported
// once per distinct error. Main thread.
import { dgramHandle, sendDatagram, type UdpHandle } from '../data/raw-udp.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FORWARD, type DnsAnswerer } from './dns-answerer.ts';
import type { DnsForwarder } from './dns-forwarder.ts';
import type { DnsMetrics } from './dns-metrics.ts';

export interface DnsEndpoint { ip: string; port: number }

export interface DnsResponderOptions {
  endpoints: DnsEndpoint[];
  answerer: DnsAnswerer;
  forwarder?: DnsForwarder;
  metrics: DnsMetrics;
  /** A bind failure (once per distinct message) and its recovery. */
  report(type: 'Normal' | 'Warning', reason: string, message: string): void;
  retryIntervalMs?: number;
  tcpIdleMs?: number;
  /** Keep dgram's 'message' path instead of the raw handle's (comparison, tests). */
  useDgram?: boolean;
}

export interface DnsResponder {
  /** Resolves once every endpoint was tried once (bound or failed). */
  ready: Promise<void>;
  /** `ip:port` of the sockets bound so far (UDP and TCP both). */
  bound(): string[];
  close(): Promise<void>;
}

interface Binding { endpoint: DnsEndpoint; udp?: UdpSocket; tcp?: Server; error?: string }

const MAX_TCP_MESSAGE = 65535;

export function startDnsResponder(o: DnsResponderOptions): DnsResponder {
  const { answerer, metrics } = o;
  const bindings: Binding[] = o.endpoints.map((endpoint) => ({ endpoint }));
  const connections = new Set<Socket>();
  let closed = false;

  function forward(msg: Buffer, tcp: boolean, started: number, send: (reply: Buffer) => void) {
    const qtype = answerer.query.qtype;
    o.forwarder!.forward(msg, tcp, (reply) => {
      if (closed) return;
      const out = reply ?? answerer.servfail(msg, msg.length, 0);
      if (!out) return;
      if (reply) metrics.answered(qtype, reply[3] & 0xf);
      metrics.observe((performance.now() - started) / 1000);
      send(out);
    });
  }

  /**
   * The answer to a datagram from `address:port` on `sock`, to be sent at once; undefined when
   * there is none now (dropped, or forwarded: the reply goes out through dgram when it comes).
   */
  function answerDatagram(sock: UdpSocket, msg: Buffer, port: number, address: string): Buffer | undefined {
    const started = performance.now();
    const out = answerer.answer(msg, msg.length, false, 0);
    if (out === undefined) return undefined;
    if (out === FORWARD) {
      forward(msg, false, started, (reply) => sock.send(reply, port, address));
      return undefined;
    }
    metrics.observe((performance.now() - started) / 1000);
    return out;
  }

  function bindUdp(b: Binding): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = createSocket(isIP(b.endpoint.ip) === 6 ? 'udp6' : 'udp4');
      const onMessage = (msg: Buffer, rinfo: { address: string; port: number }) => {
        const out = answerDatagram(sock, msg, rinfo.port, rinfo.address);
        if (out) sock.send(out, rinfo.port, rinfo.address);
      };
      sock.once('error', (err) => { sock.close(); reject(err); });
      sock.bind({ address: b.endpoint.ip, port: b.endpoint.port, exclusive: true }, () => {
        sock.removeAllListeners('error');
        // A send error (the client's port gone) is the client's problem, never the responder's.
        sock.on('error', () => {});
        const handle = o.useDgram ? undefined : dgramHandle(sock);
        if (handle) takeOver(handle, sock, isIP(b.endpoint.ip) === 6);
        else sock.on('message', onMessage);
        b.udp = sock;
        resolve();
      });
    });
  }

  /** The same as onMessage, straight on the handle (data/raw-udp.ts): one call in, one call out,
   *  where dgram runs an emit on receipt and an address lookup and a closure per send. */
  function takeOver(handle: UdpHandle, sock: UdpSocket, v6: boolean) {
    handle.onmessage = (nread, _h, msg, rinfo) => {
      if (nread < 0 || msg === undefined || rinfo === undefined) return;
      const out = answerDatagram(sock, msg, rinfo.port, rinfo.address);
      if (out) sendDatagram(handle, v6, out, rinfo.port, rinfo.address);
    };
  }

  function onTcp(conn: Socket) {
    connections.add(conn);
    conn.setNoDelay(true);
    conn.setTimeout(o.tcpIdleMs ?? 10_000, () => conn.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        const started = performance.now();
        const out = answerer.answer(msg, len, true, 2);
        if (out === undefined) { conn.destroy(); return; }
        if (out === FORWARD) {
          forward(Buffer.from(msg), true, started, (reply) => {
            if (conn.destroyed) return;
            const framed = Buffer.allocUnsafe(reply.length + 2);
            framed.writeUInt16BE(reply.length, 0);
            reply.copy(framed, 2);
            conn.write(framed);
          });
          continue;
        }
        out.writeUInt16BE(out.length - 2, 0);
        conn.write(out);
        metrics.observe((performance.now() - started) / 1000);
      }
      if (buffered.length > MAX_TCP_MESSAGE + 2) conn.destroy();
    });
    conn.on('error', () => {});
    conn.on('close', () => connections.delete(conn));
  }

  function bindTcp(b: Binding): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer(onTcp);
      server.once('error', reject);
      server.listen({ host: b.endpoint.ip, port: b.endpoint.port, exclusive: true }, () => {
        server.off('error', reject);
        b.tcp = server;
        resolve();
      });
    });
  }

  const id = (e: DnsEndpoint) => joinHostPort(e.ip, e.port);

  async function bind(b: Binding) {
    try {
      if (!b.udp) await bindUdp(b);
      if (!b.tcp) await bindTcp(b);
      if (b.error) o.report('Normal', 'DNSListening', `answering DNS on ${id(b.endpoint)} again`);
      b.error = undefined;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const message = `cannot answer DNS on ${id(b.endpoint)}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ');
      if (b.error !== message) o.report('Warning', 'FailedToListen', hint(e.code, message));
      b.error = message;
    }
  }

  const ready = Promise.all(bindings.map(bind)).then(() => {});
  const timer = setInterval(() => {
    for (const b of bindings) if (!closed && (!b.udp || !b.tcp)) void bind(b);
  }, o.retryIntervalMs ?? 5000);
  timer.unref();

  return {
    ready,
    bound() {
      return bindings.filter((b) => b.udp && b.tcp).map((b) => id(b.endpoint));
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await ready;
      for (const c of connections) c.destroy();
      await Promise.all(bindings.map(async (b) => {
        await new Promise<void>((r) => (b.udp ? b.udp.close(() => r()) : r()));
        await new Promise<void>((r) => (b.tcp ? b.tcp.close(() => r()) : r()));
      }));
      o.forwarder?.close();
    },
  };
}

function hint(code: string | undefined, message: string): string {
  if (code === 'EACCES') return `${message} — port 53 needs root or CAP_NET_BIND_SERVICE; run as root, grant the capability, or move the responder with --dns ADDR:PORT (e.g. --dns 127.0.0.53:5353)`;
  if (code === 'EADDRINUSE') return `${message} — another process (a local resolver such as systemd-resolved or dnsmasq?) holds this address and port; stop it or move the responder with --dns ADDR`;
  if (code === 'EADDRNOTAVAIL') return `${message} — the address is not configured on this machine; pick another with --dns ADDR`;
  return message;
}
