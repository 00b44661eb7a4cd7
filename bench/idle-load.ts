// Many concurrent idle connections through a target to the sink (bench/sink-server.ts, a Node
// process that accepts and holds): each connection is opened, proves it reaches the sink with one
// ping ('U', length 0 → 'K'), then stays open and silent. The proxy's RSS is read before the first
// and after the last (plus a settle pause), and the difference is charged per connection.
// Client source addresses rotate over `sources` (127.x addresses) so the 4-tuples never run short
// of ephemeral ports, whatever TIME_WAIT the earlier loads left behind.
import net from 'node:net';
import { rssBytes } from './rss-bytes.ts';
import type { Address } from './target.ts';

export interface IdleLoadResult {
  /** Connections that completed the ping and were held at the time of the second reading. */
  connections: number;
  errors: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerConnection: number;
  openS: number;
}

const PING = Buffer.from([0x55, 0, 0, 0, 0]);

function openOne(addr: Address, localAddress: string, timeoutMs: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr.host, port: addr.port, localAddress });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (!ok) socket.destroy();
      resolve(ok ? socket : undefined);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.once('connect', () => socket.write(PING));
    socket.once('data', (d: Buffer) => done(d[0] === 0x4b /* K */));
  });
}

async function closeAll(sockets: net.Socket[], timeoutMs: number): Promise<void> {
  const closed = sockets.map((s) => new Promise<void>((r) => (s.destroyed && s.closed ? r() : s.once('close', () => r()))));
  for (const s of sockets) s.destroy();
  await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, timeoutMs))]);
}

/**
 * Opens `count` connections, `parallel` at a time, and gives up opening after `budgetS` seconds
 * (whatever was held by then is measured). All sockets are closed before it returns.
 */
export async function runIdleLoad(addr: Address, pids: () => number[], count: number, sources: string[],
  opts: { parallel?: number; budgetS?: number; settleMs?: number } = {}): Promise<IdleLoadResult> {
  const parallel = opts.parallel ?? 200;
  const deadline = performance.now() + (opts.budgetS ?? 60) * 1000;
  const rssBefore = rssBytes(pids());
  const held: net.Socket[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const s = await openOne(addr, sources[i % sources.length], 10_000);
      if (s) {
        s.on('error', () => {});
        held.push(s);
      } else if (++errors > count / 10) {
        next = count; // a target that refuses this much is not going to hold the rest
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, lane));
    const openS = (performance.now() - start) / 1000;
    // Let the proxy finish whatever per-connection work follows the first exchange.
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 1000));
    const connections = held.filter((s) => !s.destroyed).length;
    const rssAfter = rssBytes(pids());
    return { connections, errors, rssBefore, rssAfter, bytesPerConnection: connections ? (rssAfter - rssBefore) / connections : NaN, openS };
  } finally {
    await closeAll(held, 10_000);
  }
}
