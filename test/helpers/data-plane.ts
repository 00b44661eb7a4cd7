// Small pieces the data-plane integration tests share: an echo backend, a backend whose connects
// never complete, a one-shot exchange through the proxy, a port nothing listens on, a bounded
// wait for a condition, and reading a socket to its end with a digest of what came.
import { connect, createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import * as assert from 'uvu/assert';

/** A TCP echo server on 127.0.0.1 (half-close honoured); close() destroys its sockets too. */
export async function echoBackend(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server, port: (server.address() as AddressInfo).port,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); },
  };
}

/** A backend whose connects never complete: it listens with a tiny backlog from a thread that never
 *  accepts (its event loop is blocked), and its accept queue is filled first, so further SYNs are
 *  dropped and a connect to it stays in progress. */
export async function blackholeBackend(): Promise<{ port: number; close(): Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(`
    const { createServer } = require('node:net');
    const { parentPort, workerData } = require('node:worker_threads');
    const server = createServer();
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      Atomics.wait(workerData, 0, 0);
    });`, { eval: true, workerData: gate });
  const [port] = await once(worker, 'message') as [number];
  const fillers: Socket[] = [];
  // Fill the accept queue: connects that complete are queued; once one stays pending, it is full.
  for (let i = 0; i < 8; i++) {
    const s = createConnection(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    await Promise.race([once(s, 'connect'), new Promise((r) => setTimeout(r, 300))]);
    // A loop that was held up runs the timer before the I/O that completed the connect meanwhile:
    // let one poll phase pass before taking the connect for pending.
    await new Promise((r) => setImmediate(r));
    if (s.connecting) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

/** Sends `payload`, half-closes, resolves with what came back, or `ERR:<code>`. */
export function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let got = '';
    let err = '';
    c.on('data', (d) => { got += d; });
    c.on('error', (e: NodeJS.ErrnoException) => { err = `ERR:${e.code}`; });
    c.on('close', () => resolve(err || got));
    c.end(payload);
  });
}

/** A port on 127.0.0.1 that was free a moment ago (bound, read, closed). */
export async function deadPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Polls `cond` every 25 ms; fails the test naming `what` if it does not hold within `timeoutMs`
 *  (generous: a worker thread's start on a loaded machine takes seconds). */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** Resumes `socket` and reads it to its end: how many bytes came, and their SHA-256 (hex). */
export async function readToEnd(socket: Socket): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  socket.on('data', (d: Buffer) => { bytes += d.length; hash.update(d); });
  socket.resume();
  await once(socket, 'end');
  return { bytes, sha256: hash.digest('hex') };
}
