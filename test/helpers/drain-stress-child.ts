// The child process of test/integration/data-drain-stress.test.ts, run by it (never by uvu):
// `node drain-stress-child.ts MODE ROUNDS`. Each round starts a 2-worker pool and drains it while
// connections are in every state: connecting to a backend that never accepts, established and idle,
// streaming, half-closed by the client, closed by the client with a FIN and then a reset while the
// backend streams (the proxy half-closes the upstream, then must pass the reset on), closed by the
// backend the same way, and newcomers arriving during the drain (in transfer mode, sockets in flight
// to the workers); every third round also kills a worker just before the drain. One JSON line per
// round on stdout: {"round","drained","active","closed"}. A drain or close that does not finish in
// time is reported and the child stops there; the parent kills it by PID, since a worker thread
// holding a socket that never closes cannot be terminated, and then neither can this process.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type AcceptMode } from '../../src/data/worker-pool.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { blackholeBackend, echoBackend } from './data-plane.ts';

const mode = process.argv[2] as AcceptMode;
const rounds = Number(process.argv[3] ?? 3);
const OPTIONS: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 60_000,
  idleTimeoutMs: 0, connectAttempts: 1, maxConnections: 0,
};
const CHURN_CONNECTIONS = 360;
const CHUNK = Buffer.alloc(16 * 1024, 0x78);
const tick = () => new Promise<void>((r) => setImmediate(r));
const report = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

/** Resolves true once `p` settles, false if it has not after `ms` (a liveness bound, not a timing check). */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(() => { clearTimeout(timer); resolve(true); }, () => { clearTimeout(timer); resolve(true); });
  });
}

/** A backend that streams to every client for as long as it reads, and ends when the client does. */
async function streamingBackend() {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.resume();
    const pump = () => { while (!s.destroyed && s.writable && s.write(CHUNK)); };
    s.on('drain', pump);
    s.on('end', () => s.end());
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

/** A backend that sends a chunk, half-closes, then closes with the client's bytes unread (a reset). */
async function finThenResetBackend() {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.end(CHUNK);
    setTimeout(() => s.destroy(), sockets.size % 3);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

const echo = await echoBackend();
const stream = await streamingBackend();
const finReset = await finThenResetBackend();
const hole = await blackholeBackend();

for (let round = 0; round < rounds; round++) {
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 8, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const pool = await startWorkerPool({ workers: 2, accept: mode, table, drainTimeoutMs: 30_000 });
  const ports: Record<string, number> = {};
  for (const [name, port] of Object.entries({ echo: echo.port, stream: stream.port, finReset: finReset.port, hole: hole.port })) {
    const index = slots.allocServicePort();
    pool.setServicePort({ index, name, generation: 1, options: OPTIONS, endpoints: slots.update(index, [
      { ip: '127.0.0.1', port, ready: true, serving: true, terminating: false, weight: 1, name },
    ]) });
    ports[name] = (await pool.listen({ id: name, address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] })).port;
  }
  const clients = new Set<Socket>();
  const open = (port: number, onFirstData?: (c: Socket) => void): Socket => {
    const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    clients.add(c);
    c.on('error', () => {});
    c.on('close', () => clients.delete(c));
    if (onFirstData) c.once('data', () => onFirstData(c));
    return c;
  };
  for (let i = 0; i < 10; i++) open(ports.echo).write('idle');
  for (let i = 0; i < 6; i++) open(ports.hole);
  // Streaming until the client stops reading, so the proxy holds unwritten bytes (backpressure).
  for (let i = 0; i < 4; i++) open(ports.stream, (c) => c.pause()).resume();
  for (let i = 0; i < 6; i++) open(ports.stream, (c) => { c.end(); c.pause(); }).resume();

  // FIN then reset, the close deferred by varying amounts, so that the proxy sees the reset at every
  // point of its own half-close of the upstream.
  const finThenReset = (c: Socket, n: number) => {
    c.end();
    const close = () => c.destroy();
    if (n % 4 === 0) close(); else if (n % 4 === 1) process.nextTick(close); else if (n % 4 === 2) setImmediate(close); else setTimeout(close, 1);
  };
  let churning = true;
  let opened = 0;
  let drain: Promise<void> | null = null;
  const churn = (async () => {
    while (churning && opened < CHURN_CONNECTIONS) {
      for (let i = 0; i < 6; i++, opened++) {
        const n = opened;
        open(ports.stream, (c) => finThenReset(c, n)).resume();
        if (i % 3 === 0) open(ports.finReset).write(CHUNK);
      }
      if (!drain && opened >= CHURN_CONNECTIONS / 2) {
        // Kill a worker while its connections are live: its replacement is starting as the drain comes.
        if (round % 3 === 2) void pool.threads()[0]?.terminate();
        drain = pool.drain(round % 2 === 0 ? 100 : 0);
      }
      await tick();
    }
  })();

  while (!drain) await tick();
  const drained = await settlesWithin(drain, 20_000);
  churning = false;
  await churn;
  if (!drained) {
    report({ round, drained, active: table.globalActive(), closed: false });
    break;
  }
  const active = table.globalActive();
  for (const c of clients) c.destroy();
  const closed = await settlesWithin(pool.close(), 20_000);
  report({ round, drained, active, closed });
  if (!closed) break;
}

stream.close();
finReset.close();
await echo.close();
await hole.close();
process.exit(0);
