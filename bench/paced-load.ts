// Open-loop latency at a fixed rate: requests are sent on a 1 ms timer, as many as are due at
// `rate`/s (spread round-robin over `connections` keep-alive connections, pipelined if one is
// still busy). Sending never waits for answers, so a proxy stall is charged to every request sent
// during it; the time is taken at the write, so the timer's own lateness is not charged to the proxy.
// Not autocannon's `overallRate`: that sends each connection's per-second budget back-to-back at
// the start of every second, which measures a burst, not a steady moderate rate.
import net from 'node:net';
import { latencyHistogram, type LatencyUs } from './latency-histogram.ts';
import type { Address } from './target.ts';

export interface PacedLoadResult { requests: number; sent: number; errors: number; elapsedS: number; latency: LatencyUs }

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

interface Conn { socket: net.Socket; due: number[]; buf: Buffer; broken: boolean }

export async function runPacedLoad(addr: Address, ratePerS: number, connections: number, durationS: number): Promise<PacedLoadResult> {
  const hist = latencyHistogram();
  let requests = 0;
  let errors = 0;
  const onData = (c: Conn, d: Buffer) => {
    c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
    for (;;) {
      const end = c.buf.indexOf(HEADER_END);
      if (end < 0) return;
      const head = c.buf.toString('latin1', 0, end);
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (c.buf.length < end + 4 + len) return;
      c.buf = c.buf.subarray(end + 4 + len);
      const sentAt = c.due.shift();
      if (sentAt === undefined || !head.startsWith('HTTP/1.1 200')) { errors++; continue; }
      hist.recordMs(performance.now() - sentAt);
      requests++;
    }
  };
  const opened = await Promise.allSettled(Array.from({ length: connections }, () => new Promise<Conn>((resolve, reject) => {
    const socket = net.connect({ host: addr.host, port: addr.port, noDelay: true });
    const c: Conn = { socket, due: [], buf: Buffer.alloc(0), broken: false };
    socket.once('connect', () => resolve(c));
    socket.on('data', (d: Buffer) => onData(c, d));
    socket.on('error', (e) => { c.broken = true; reject(e); });
    socket.on('close', () => { c.broken = true; errors += c.due.length; c.due.length = 0; });
  })));
  const conns = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (conns.length < connections) {
    for (const c of conns) c.socket.destroy();
    throw (opened.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now - start >= durationS * 1000) { clearInterval(tick); resolve(); return; }
      const due = Math.floor(((now - start) * ratePerS) / 1000);
      for (; sent < due; sent++) {
        const c = conns[sent % conns.length];
        if (c.broken) { errors++; continue; }
        c.due.push(performance.now());
        c.socket.write(REQUEST);
      }
    }, 1);
  });
  // Let the requests in flight finish (bounded), then close.
  const drainDeadline = performance.now() + 5000;
  while (conns.some((c) => c.due.length > 0 && !c.broken) && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const elapsedS = (performance.now() - start) / 1000;
  for (const c of conns) { errors += c.due.length; c.due.length = 0; c.socket.destroy(); }
  return { requests, sent, errors, elapsedS, latency: hist.summary() };
}
