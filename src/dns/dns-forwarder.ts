// Sends queries for names outside the cluster zone to upstream resolvers (--dns-forward), so that a
// client can use switchyard as its only resolver. UDP queries go out over UDP under a fresh random
// ID (the client's is restored on the reply, and only a reply from the upstream asked counts); a
// TCP client's query goes out over TCP. An upstream that does not answer within the timeout is
// skipped for the next one; when all fail the client gets SERVFAIL. Main thread.
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Upstream { ip: string; port: number }

export interface DnsForwarder {
  /** `query` is the client's message (copied); `done` gets the reply, or undefined when every upstream failed. */
  forward(query: Uint8Array, tcp: boolean, done: (reply: Buffer | undefined) => void): void;
  readonly upstreams: readonly Upstream[];
  close(): void;
}

/** The `nameserver` lines of a resolv.conf text (port 53). */
export function resolvConfNameservers(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const ip = m[1].replace(/%.*$/, '');
    if (isIP(ip)) out.push({ ip, port: 53 });
  }
  return out;
}

export function systemNameservers(path = '/etc/resolv.conf'): Upstream[] {
  try { return resolvConfNameservers(readFileSync(path, 'utf8')); } catch { return []; }
}

interface Pending { clientId: number; upstream: number; query: Buffer; timer: NodeJS.Timeout; done: (reply: Buffer | undefined) => void }

export function createDnsForwarder(upstreams: Upstream[], timeoutMs = 2000): DnsForwarder {
  const pending = new Map<number, Pending>();
  const sockets = new Map<4 | 6, Socket>();
  let closed = false;

  const socketFor = (family: 4 | 6): Socket => {
    let s = sockets.get(family);
    if (s) return s;
    s = createSocket(family === 4 ? 'udp4' : 'udp6');
    s.on('message', onReply);
    s.on('error', () => { /* a send error surfaces as the query's timeout */ });
    s.unref();
    sockets.set(family, s);
    return s;
  };

  function onReply(msg: Buffer, rinfo: { address: string; port: number }) {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const p = pending.get(id);
    if (!p) return;
    const u = upstreams[p.upstream];
    if (rinfo.port !== u.port || rinfo.address !== u.ip) return;
    pending.delete(id);
    clearTimeout(p.timer);
    msg.writeUInt16BE(p.clientId, 0);
    p.done(msg);
  }

  function sendUdp(p: Pending, id: number) {
    const u = upstreams[p.upstream];
    p.query.writeUInt16BE(id, 0);
    socketFor(isIP(u.ip) === 6 ? 6 : 4).send(p.query, u.port, u.ip);
    p.timer = setTimeout(() => {
      pending.delete(id);
      if (closed) return p.done(undefined);
      p.upstream++;
      if (p.upstream >= upstreams.length) return p.done(undefined);
      const next = freshId();
      pending.set(next, p);
      sendUdp(p, next);
    }, timeoutMs);
  }

  function freshId(): number {
    for (;;) {
      const id = randomInt(0, 65536);
      if (!pending.has(id)) return id;
    }
  }

  function viaTcp(query: Buffer, index: number, done: (reply: Buffer | undefined) => void) {
    if (index >= upstreams.length || closed) return done(undefined);
    const u = upstreams[index];
    const sock = connect({ host: u.ip, port: u.port });
    let got = Buffer.alloc(0);
    let finished = false;
    const finish = (reply: Buffer | undefined) => {
      if (finished) return;
      finished = true;
      sock.destroy();
      if (reply) done(reply);
      else viaTcp(query, index + 1, done);
    };
    sock.setTimeout(timeoutMs, () => finish(undefined));
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => {
      const framed = Buffer.allocUnsafe(query.length + 2);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      sock.write(framed);
    });
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) finish(got.subarray(2, 2 + got.readUInt16BE(0)));
    });
  }

  return {
    upstreams,
    forward(query, tcp, done) {
      if (upstreams.length === 0 || closed) return done(undefined);
      const copy = Buffer.from(query);
      if (tcp) return viaTcp(copy, 0, done);
      const clientId = copy.readUInt16BE(0);
      const id = freshId();
      const p: Pending = { clientId, upstream: 0, query: copy, timer: undefined as unknown as NodeJS.Timeout, done };
      pending.set(id, p);
      sendUdp(p, id);
    },
    close() {
      closed = true;
      for (const p of pending.values()) { clearTimeout(p.timer); p.done(undefined); }
      pending.clear();
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
