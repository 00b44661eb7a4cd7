// Endpoint removal and shutdown drain through the real pool, table, slots and picker: established
// connections finish intact while new ones go elsewhere; drain(timeout) cuts what is left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots, type DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool } from '../../src/data/worker-pool.ts';
import type { ServicePortOptions } from '../../src/shared/messages.ts';
import { until } from '../helpers/data-plane.ts';

const OPTIONS: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 2, maxConnections: 0,
};

const STREAM_MS = 10_000;
const CHUNK = Buffer.alloc(32 * 1024);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 131 + 17) & 0xff;

interface Backend { server: Server; port: number; accepted: number; sentHash: Promise<{ bytes: number; hash: string }>[]; close(): Promise<void> }

/** On each connection: streams CHUNKs (a counter stamped in each) for STREAM_MS, then ends. */
async function streamingBackend(): Promise<Backend> {
  const sockets = new Set<Socket>();
  const b = { accepted: 0, sentHash: [] } as unknown as Backend;
  const server = createServer((s) => {
    b.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    b.sentHash.push(new Promise((resolve) => {
      const h = createHash('sha256');
      let bytes = 0;
      let n = 0;
      const started = performance.now();
      const tick = () => {
        if (s.destroyed) { resolve({ bytes, hash: 'destroyed' }); return; }
        if (performance.now() - started >= STREAM_MS) { s.end(); resolve({ bytes, hash: h.digest('hex') }); return; }
        const chunk = Buffer.from(CHUNK);
        chunk.writeUInt32BE(n++, 0);
        h.update(chunk);
        bytes += chunk.length;
        if (s.write(chunk)) setTimeout(tick, 5); else s.once('drain', tick);
      };
      tick();
    }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(b, {
    server, port: (server.address() as AddressInfo).port,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); },
  });
}

function endpoint(port: number): DesiredEndpoint {
  return { ip: '127.0.0.1', port, ready: true, serving: true, terminating: false, weight: 1, name: `127.0.0.1:${port}` };
}

/** Reads a connection to its end: byte count and hash. */
function drink(c: Socket): Promise<{ bytes: number; hash: string; error?: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve) => {
    let error: string | undefined;
    c.on('data', (d: Buffer) => { bytes += d.length; h.update(d); });
    c.on('error', (e: NodeJS.ErrnoException) => { error = e.code; });
    c.on('close', () => resolve({ bytes, hash: h.digest('hex'), error }));
  });
}

for (const accept of ['transfer', 'reuseport'] as const) {
  test(`${accept}: an endpoint removed during a 10 s transfer loses no byte; new connections go elsewhere`, async () => {
    const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
    const slots = createEndpointSlots(table);
    const pool = await startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: 30_000 });
    const a = await streamingBackend();
    const b = await streamingBackend();
    const index = slots.allocServicePort();
    pool.setServicePort({ index, name: 'default/stream:p/TCP', generation: 1, options: OPTIONS, endpoints: slots.update(index, [endpoint(a.port)]) });
    const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });

    const long = connect(port, '127.0.0.1');
    const longResult = drink(long);
    // Bytes flowing through the proxy: the stream is established and has ~10 s left to run.
    assert.ok(await Promise.race([once(long, 'data').then(() => true), once(long, 'close').then(() => false)]), 'the stream ended before its first byte');
    assert.is(a.accepted, 1);
    // A leaves the Service port: its slot starts draining, the established stream must go on.
    pool.setServicePort({ index, name: 'default/stream:p/TCP', generation: 2, options: OPTIONS, endpoints: slots.update(index, [endpoint(b.port)]) });
    // Every worker has installed the new snapshot (in reuseport mode a worker accepts on its own).
    await pool.sync();
    const short = connect(port, '127.0.0.1');
    const shortResult = drink(short);
    await until(() => b.accepted === 1, 'the new connection to reach the remaining endpoint');
    short.destroy();
    await shortResult;
    assert.is(b.accepted, 1, 'the new connection did not go to the remaining endpoint');
    assert.is(a.accepted, 1, 'the removed endpoint got a new connection');

    const got = await longResult;
    const sent = await a.sentHash[0];
    assert.is(got.error, undefined);
    assert.ok(sent.bytes > 0);
    assert.is(got.bytes, sent.bytes);
    assert.is(got.hash, sent.hash);
    await pool.close();
    await a.close();
    await b.close();
  });
}

test('drain(timeout) stops accepting and cuts connections still open at the timeout', async () => {
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const pool = await startWorkerPool({ workers: 2, accept: 'transfer', table, drainTimeoutMs: 30_000 });
  const held = new Set<Socket>();
  const silent = createServer((s) => { held.add(s); s.on('error', () => {}); });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const index = slots.allocServicePort();
  pool.setServicePort({ index, name: 'default/silent:p/TCP', generation: 1, options: OPTIONS,
    endpoints: slots.update(index, [endpoint((silent.address() as AddressInfo).port)]) });
  const { port } = await pool.listen({ id: 'l', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });
  const c = connect(port, '127.0.0.1');
  const closed = drink(c);
  // The connection has reached the backend (a drain of a connection still connecting is tested in
  // data-drain-handshake.test.ts).
  await until(() => held.size === 1, 'the connection to reach the backend');
  await pool.drain(300);
  await closed;
  assert.ok(c.destroyed);
  const after = await new Promise<string>((resolve) => {
    const d = connect(port, '127.0.0.1');
    d.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    d.on('connect', () => { d.destroy(); resolve('connected'); });
  });
  assert.is(after, 'ECONNREFUSED');
  await pool.close();
  for (const s of held) s.destroy();
  await new Promise((r) => silent.close(r));
});

test.run();
