// Raw TCP load: each of N connections loops until the deadline — connect, send a small payload,
// take the first bytes that come back as the reply, then keep the connection for the next request
// or close it and connect again (--close). Latency is payload-sent to first-reply-byte. Runs in
// the CLI process; every socket it opens is destroyed before the promise settles.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLatencyHistogram } from './bench-latency-histogram.ts';
import type { LoadProgress, LoadResult, LoadSettings } from './bench-load-result.ts';
import type { TimelineRecorder } from './bench-timeline.ts';

export const TCP_PAYLOAD = Buffer.from('switchyard-bench\n');
const REPLY_TIMEOUT_MS = 10_000;
/** Pause after a failed connect so a refusing target does not become a hot loop. */
const RETRY_PAUSE_MS = 20;

interface Conn {
  socket: net.Socket;
  /** Resolves with true when data arrives, false on close, error or timeout. */
  waitReply(): Promise<boolean>;
}

function connect(host: string, port: number, onBytes: (n: number) => void): Promise<Conn | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, noDelay: true });
    let waiter: ((ok: boolean) => void) | undefined;
    let closed = false;
    const settle = (ok: boolean): void => { const w = waiter; waiter = undefined; w?.(ok); };
    socket.setTimeout(REPLY_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (d) => { onBytes(d.length); settle(true); });
    socket.on('error', () => {});
    socket.on('close', () => { closed = true; settle(false); resolve(undefined); });
    socket.once('connect', () => resolve({
      socket,
      waitReply: () => (closed ? Promise.resolve(false) : new Promise((r) => { waiter = r; })),
    }));
  });
}

export async function runTcpLoad(settings: LoadSettings, onProgress?: LoadProgress, timeline?: TimelineRecorder): Promise<LoadResult> {
  const latency = createLatencyHistogram();
  const started = performance.now();
  const deadline = started + settings.durationSeconds * 1000;
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  let opened = 0;
  const open = new Set<net.Socket>();
  // Each connection sends at its share of --rate on a fixed schedule; when it falls behind it
  // sends at once (the latency it then reports does not correct for coordinated omission).
  const interval = settings.rate ? (1000 * settings.connections) / settings.rate : 0;

  async function loop(index: number): Promise<void> {
    let conn: Conn | undefined;
    let next = started + (interval * index) / settings.connections;
    while (performance.now() < deadline) {
      if (!conn) {
        conn = await connect(settings.host, settings.port, (n) => { bytes += n; });
        if (!conn) { errors += 1; timeline?.error(); await sleep(RETRY_PAUSE_MS); continue; }
        opened += 1;
        open.add(conn.socket);
      }
      if (interval) {
        const wait = next - performance.now();
        next += interval;
        if (wait > 0) {
          if (performance.now() + wait >= deadline) break;
          await sleep(wait);
        }
      }
      const sent = performance.now();
      const reply = conn.waitReply();
      conn.socket.write(TCP_PAYLOAD);
      if (await reply) {
        requests += 1;
        const ms = performance.now() - sent;
        latency.recordMs(ms);
        timeline?.recordMs(ms);
      } else {
        errors += 1;
        timeline?.error();
      }
      if (settings.closeEachRequest || conn.socket.destroyed) {
        open.delete(conn.socket);
        conn.socket.destroy();
        conn = undefined;
      }
    }
    if (conn) { open.delete(conn.socket); conn.socket.destroy(); }
  }

  const ticker = setInterval(() => onProgress?.((performance.now() - started) / 1000, requests), 250);
  try {
    await Promise.all(Array.from({ length: settings.connections }, (_, i) => loop(i)));
  } finally {
    clearInterval(ticker);
    for (const s of open) s.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const figures = latency.figures();
  latency.destroy();
  return {
    seconds, requests, requestsPerSecond: requests / seconds, latency: figures, errors, non2xx: 0,
    bytesPerSecond: bytes / seconds, connectionsOpened: opened,
  };
}
