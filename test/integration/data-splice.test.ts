// Both splices over real socket pairs on 127.0.0.1: client → proxy server → backend server, once
// with splice() over net.Socket and once with rawSplice() over raw handles (the reuseport default).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { splice } from '../../src/data/splice.ts';
import type { Splice, SpliceStats } from '../../src/data/splice-types.ts';
import { rawSplice, type RawSplice } from '../../src/data/raw-splice.ts';
import { connectRaw } from '../../src/data/connect-raw.ts';
import { takeAcceptedHandles } from '../../src/data/take-accepted-handles.ts';
import type { TcpHandle } from '../../src/data/raw-tcp.ts';
import { readToEnd } from '../helpers/data-plane.ts';

type Mode = 'socket' | 'raw';
type Item = { s: Splice; closed: Promise<SpliceStats>; upstreamQueued: () => number };

interface Rig {
  backend: Server;
  proxy: Server;
  /** Resolves with the next backend-side socket. */
  nextBackendSocket: () => Promise<Socket>;
  /** Resolves with the next splice and its close stats. */
  nextSplice: () => Promise<Item>;
  port: number;
  close: () => Promise<void>;
}

async function rig(mode: Mode, idleTimeoutMs = 0): Promise<Rig> {
  const backendSockets: Socket[] = [];
  const backendWaiters: ((s: Socket) => void)[] = [];
  const all: Socket[] = [];
  const backend = createServer({ allowHalfOpen: true }, (s) => {
    all.push(s);
    const w = backendWaiters.shift();
    if (w) w(s); else backendSockets.push(s);
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const bport = (backend.address() as AddressInfo).port;
  const splices: Item[] = [];
  const spliceWaiters: ((x: Item) => void)[] = [];
  const deliver = (item: Item) => {
    const w = spliceWaiters.shift();
    if (w) w(item); else splices.push(item);
  };
  const proxy = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port: bport, allowHalfOpen: true });
    upstream.once('connect', () => {
      let resolve!: (st: SpliceStats) => void;
      const closed = new Promise<SpliceStats>((r) => { resolve = r; });
      const s = splice(client, upstream, { idleTimeoutMs, onClose: resolve });
      deliver({ s, closed, upstreamQueued: () => upstream.writableLength });
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  if (mode === 'raw') {
    assert.ok(takeAcceptedHandles(proxy, (client) => {
      const up = connectRaw('127.0.0.1', bport, {
        onConnected(status) {
          assert.is(status, 0);
          let resolve!: (st: SpliceStats) => void;
          const closed = new Promise<SpliceStats>((r) => { resolve = r; });
          const s: RawSplice = rawSplice(client, up as TcpHandle, { idleTimeoutMs, onClose: resolve });
          deliver({ s, closed, upstreamQueued: () => s.upstream.handle.writeQueueSize });
        },
      });
      assert.type(up, 'object');
    }));
  }
  return {
    backend, proxy, port: (proxy.address() as AddressInfo).port,
    nextBackendSocket: () => new Promise((r) => { const s = backendSockets.shift(); if (s) r(s); else backendWaiters.push(r); }),
    nextSplice: () => new Promise((r) => { const s = splices.shift(); if (s) r(s); else spliceWaiters.push(r); }),
    close: async () => {
      for (const s of all) s.destroy();
      await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => backend.close(r))]);
    },
  };
}

function collect(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

for (const mode of ['socket', 'raw'] as const) {
  test(`${mode}: client half-close: FIN reaches the backend, the reply still flows back`, async () => {
    const r = await rig(mode);
    const client = connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    const clientGot = collect(client);
    client.end('hello');
    const b = await r.nextBackendSocket();
    const backendGot = await collect(b);
    assert.is(backendGot.toString(), 'hello');
    // The backend answers only after it saw the client's FIN: the other direction must still be open.
    b.end('world!');
    assert.is((await clientGot).toString(), 'world!');
    const { closed } = await r.nextSplice();
    const stats = await closed;
    assert.equal(stats, { bytesIn: 5, bytesOut: 6, end: 'client-closed', error: undefined });
    client.destroy();
    await r.close();
  });

  test(`${mode}: upstream half-close: client keeps sending after the backend finished`, async () => {
    const r = await rig(mode);
    const client = connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    const clientGot = collect(client);
    const b = await r.nextBackendSocket();
    const backendGot = collect(b);
    b.end('banner');
    assert.is((await clientGot).toString(), 'banner');
    client.write('late ');
    client.end('data');
    assert.is((await backendGot).toString(), 'late data');
    const stats = await (await r.nextSplice()).closed;
    assert.is(stats.end, 'upstream-closed');
    assert.is(stats.bytesIn, 9);
    assert.is(stats.bytesOut, 6);
    await r.close();
  });

  test(`${mode}: backpressure: a backend that stops reading stalls the client; nothing is lost`, async () => {
    const r = await rig(mode);
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
    const client = connect({ host: '127.0.0.1', port: r.port });
    const b = await r.nextBackendSocket();
    b.pause();
    const { s, upstreamQueued, closed } = await r.nextSplice();
    const sent = createHash('sha256');
    let written = 0;
    let drained = true;
    const writeSome = () => {
      while (written < total) {
        sent.update(chunk);
        written += chunk.length;
        if (!client.write(chunk)) { drained = false; client.once('drain', () => { drained = true; writeSome(); }); return; }
      }
      client.end();
    };
    writeSome();
    // Wait (bounded) until the client is stuck on a full pipe.
    let lastIn = -1;
    for (let i = 0; i < 100; i++) {
      await new Promise((res) => setTimeout(res, 50));
      if (!drained && s.bytesIn === lastIn) break;
      lastIn = s.bytesIn;
    }
    assert.ok(written < total || !drained, 'client was never held back');
    assert.ok(s.bytesIn < total, `proxy read everything (${s.bytesIn}) instead of pushing back`);
    assert.ok(upstreamQueued() <= 1024 * 1024, `proxy buffered ${upstreamQueued()} bytes`);
    const got = await readToEnd(b);
    b.end();
    assert.is(got.bytes, total);
    assert.is(got.sha256, sent.digest('hex'));
    const stats = await closed;
    assert.is(stats.bytesIn, total);
    client.destroy();
    await r.close();
  });

  test(`${mode}: idle timeout closes both sides`, async () => {
    const r = await rig(mode, 150);
    const client = connect({ host: '127.0.0.1', port: r.port });
    const b = await r.nextBackendSocket();
    b.on('error', () => {});
    client.write('x');
    const stats = await (await r.nextSplice()).closed;
    assert.is(stats.end, 'idle-timeout');
    assert.is(stats.bytesIn, 1);
    if (!client.closed) await once(client, 'close');
    // The backend sees the proxy's FIN (it is half-open capable, so it closes its side itself).
    b.resume();
    if (!b.readableEnded) await once(b, 'end');
    b.destroy();
    await r.close();
  });

  test(`${mode}: a backend reset becomes a client reset`, async () => {
    const r = await rig(mode);
    const client = connect({ host: '127.0.0.1', port: r.port });
    const clientErr = once(client, 'error').then(([e]) => (e as NodeJS.ErrnoException).code, () => 'none');
    const b = await r.nextBackendSocket();
    const { closed } = await r.nextSplice();
    b.resetAndDestroy();
    const stats = await closed;
    assert.is(stats.end, 'upstream-error');
    assert.is(stats.error, 'ECONNRESET');
    assert.is(await clientErr, 'ECONNRESET');
    await r.close();
  });

  test(`${mode}: close() from outside (drain) ends both and reports drained`, async () => {
    const r = await rig(mode);
    const client = connect({ host: '127.0.0.1', port: r.port });
    const clientClosed = once(client, 'close');
    client.on('error', () => {});
    const b = await r.nextBackendSocket();
    b.on('error', () => {});
    const { s, closed } = await r.nextSplice();
    s.close('drained');
    assert.is((await closed).end, 'drained');
    await clientClosed;
    await r.close();
  });
}

// The raw splice closes its handles without close callbacks and shuts down without a completion
// callback, so nothing in it would notice a handle that never closes: count them in the process.
test('raw: every way a connection ends leaves no TCP handle behind', async () => {
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const settle = async () => { for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r)); };
  const r = await rig('raw');
  await settle();
  const before = sockets();
  const endings: ((client: Socket, backend: Socket) => Promise<void>)[] = [
    // Client FIN first, then the backend answers and ends.
    async (c, b) => { const got = collect(c); c.end('q'); await collect(b); b.end('a'); await got; },
    // Backend FIN first (a server that closes after its reply), then the client ends.
    async (c, b) => { const got = collect(c); b.end('a'); await got; c.end(); },
    // Both at once.
    async (c, b) => { const got = collect(c); const bGot = collect(b); c.end('q'); b.end('a'); await Promise.all([got, bGot]); },
    // Backend reset while the client still sends.
    async (c, b) => { c.on('error', () => {}); const gone = new Promise((res) => c.once('close', res)); c.write('x'); b.resetAndDestroy(); await gone; },
    // Client reset after the backend's FIN reached it.
    async (c, b) => { b.on('error', () => {}); const got = collect(c); b.end('a'); await got; c.resetAndDestroy(); },
  ];
  for (const end of endings) {
    for (let k = 0; k < 4; k++) {
      const client = connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
      const b = await r.nextBackendSocket();
      const { closed } = await r.nextSplice();
      await end(client, b);
      await closed;
      client.destroy();
      b.destroy();
    }
  }
  await settle();
  assert.is(sockets(), before);
  await r.close();
});

test('raw: IPv6 on both sides (accepted on ::1, connected to ::1)', async () => {
  const backend = createServer((s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); });
  backend.listen(0, '::1');
  await once(backend, 'listening');
  const proxy = createServer(() => {});
  proxy.listen(0, '::1');
  await once(proxy, 'listening');
  let closed!: Promise<SpliceStats>;
  assert.ok(takeAcceptedHandles(proxy, (client) => {
    const up = connectRaw('::1', (backend.address() as AddressInfo).port, {
      onConnected(status) {
        assert.is(status, 0);
        closed = new Promise((resolve) => { rawSplice(client, up as TcpHandle, { idleTimeoutMs: 0, onClose: resolve }); });
      },
    });
  }));
  const c = connect({ host: '::1', port: (proxy.address() as AddressInfo).port });
  const got = collect(c);
  c.end('over six');
  assert.is((await got).toString(), 'over six');
  assert.equal(await closed, { bytesIn: 8, bytesOut: 8, end: 'client-closed', error: undefined });
  await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => backend.close(r))]);
});

test.run();
