// splice with its onread upstream (connectUpstream) and, in the second pass, its onread client
// (takeAcceptedHandles + acceptedSocket, a worker's path when the raw bindings are missing): bytes are read into the thread's
// shared buffer and copied out, with backpressure from a slow reader on either side, interleaved
// with other connections reading into the same buffer. Real sockets on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { connectUpstream, splice } from '../../src/data/splice.ts';
import type { Splice, SpliceStats } from '../../src/data/splice-types.ts';
import { takeAcceptedHandles } from '../../src/data/take-accepted-handles.ts';
import { acceptedSocket } from '../../src/data/splice.ts';
import { rawSplice } from '../../src/data/raw-splice.ts';
import { connectRaw } from '../../src/data/connect-raw.ts';
import type { TcpHandle } from '../../src/data/raw-tcp.ts';
import { readToEnd } from '../helpers/data-plane.ts';

const MODES = ['stream client', 'onread client', 'raw client and upstream'] as const;
type Mode = (typeof MODES)[number];

interface Rig { port: number; backendPort: number; backend: Server; proxy: Server; splices: { s: Splice; closed: Promise<SpliceStats> }[]; close(): Promise<void> }

async function rig(onBackend: (s: Socket) => void, mode: Mode): Promise<Rig> {
  const open = new Set<Socket>();
  const backend = createServer({ allowHalfOpen: true }, (s) => { open.add(s); onBackend(s); });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const backendPort = (backend.address() as AddressInfo).port;
  const splices: Rig['splices'] = [];
  const serve = (client: Socket) => {
    open.add(client);
    const upstream = connectUpstream('127.0.0.1', backendPort);
    upstream.once('connect', () => {
      let resolve!: (st: SpliceStats) => void;
      const closed = new Promise<SpliceStats>((r) => { resolve = r; });
      splices.push({ s: splice(client, upstream, { idleTimeoutMs: 0, onClose: resolve }), closed });
    });
  };
  const proxy = createServer({ allowHalfOpen: true, pauseOnConnect: true }, serve);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  // On the pinned Node the hook must be taken: a false here means every worker fell back to the
  // slower stream path.
  if (mode === 'raw client and upstream') {
    assert.ok(takeAcceptedHandles(proxy, (client) => {
      const up = connectRaw('127.0.0.1', backendPort, {
        onConnected() {
          let resolve!: (st: SpliceStats) => void;
          const closed = new Promise<SpliceStats>((r) => { resolve = r; });
          splices.push({ s: rawSplice(client, up as TcpHandle, { idleTimeoutMs: 0, onClose: resolve }), closed });
        },
      });
    }));
  }
  if (mode) assert.ok(takeAcceptedHandles(proxy, (h) => serve(acceptedSocket(h))), 'the listening handle has no onconnection hook to take');
  return {
    port: (proxy.address() as AddressInfo).port, backendPort, backend, proxy, splices,
    close: async () => {
      for (const s of open) s.destroy();
      await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => backend.close(r))]);
    },
  };
}

function pattern(seed: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 17 + 7) & 0xff;
  return b;
}

for (const mode of MODES) {
  test(`${mode}: a slow client holds the backend back; every byte arrives intact`, async () => {
    const total = 32 * 1024 * 1024;
    const chunk = pattern(1, 64 * 1024);
    const sent = createHash('sha256');
    const r = await rig((b) => {
      let written = 0;
      const more = () => {
        while (written < total) {
          sent.update(chunk);
          written += chunk.length;
          if (!b.write(chunk)) { b.once('drain', more); return; }
        }
        b.end();
      };
      more();
    }, mode);
    const client = connect({ host: '127.0.0.1', port: r.port });
    client.pause();
    await once(client, 'connect');
    // Wait (bounded) until the proxy stops reading from the backend.
    let last = -1;
    for (let i = 0; i < 100; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const s = r.splices[0]?.s;
      if (s && s.bytesOut === last) break;
      last = s?.bytesOut ?? -1;
    }
    const { s, closed } = r.splices[0];
    assert.ok(s.bytesOut < total, `proxy read everything (${s.bytesOut}) instead of pushing back`);
    const got = await readToEnd(client);
    client.end();
    assert.is(got.bytes, total);
    assert.is(got.sha256, sent.digest('hex'));
    assert.is((await closed).bytesOut, total);
    await r.close();
  });

  test(`${mode}: many connections share the read buffer without mixing their bytes`, async () => {
    const n = 20;
    const size = 3 * 1024 * 1024 + 123;
    // Each backend connection sends its own pattern, picked by the first byte the client sends.
    const r = await rig((b) => {
      b.once('data', (d: Buffer) => { b.end(pattern(d[0], size)); });
    }, mode);
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const c = connect({ host: '127.0.0.1', port: r.port });
      const parts: Buffer[] = [];
      // Every other client reads slowly, so some writes to it back up while others flow.
      c.on('data', (d: Buffer) => {
        parts.push(d);
        if (i % 2 === 1) { c.pause(); setTimeout(() => c.resume(), 1); }
      });
      c.write(Buffer.from([i]));
      await once(c, 'end');
      c.end();
      return Buffer.concat(parts).equals(pattern(i, size));
    }));
    assert.equal(results, Array(n).fill(true));
    await r.close();
  });

  test(`${mode}: an upstream that closes at once after its data still delivers all of it`, async () => {
    const r = await rig((b) => { b.end('hello from the backend'); }, mode);
    const c = connect({ host: '127.0.0.1', port: r.port });
    const parts: Buffer[] = [];
    c.on('data', (d: Buffer) => parts.push(d));
    await once(c, 'end');
    c.end();
    assert.is(Buffer.concat(parts).toString(), 'hello from the backend');
    const stats = await r.splices[0].closed;
    assert.is(stats.end, 'upstream-closed');
    await r.close();
  });

  test(`${mode}: a slow backend holds the client back; every byte arrives, then the reply after the FIN`, async () => {
    const total = 24 * 1024 * 1024;
    const chunk = pattern(2, 64 * 1024);
    const got = createHash('sha256');
    let backendSocket: Socket | null = null;
    let received = 0;
    const r = await rig((b) => {
      backendSocket = b;
      b.pause();
      b.on('data', (d: Buffer) => { received += d.length; got.update(d); });
      // Half-close: the reply goes out only after the client's FIN came through.
      b.on('end', () => b.end(`got ${received}`));
    }, mode);
    const client = connect({ host: '127.0.0.1', port: r.port });
    await once(client, 'connect');
    const sent = createHash('sha256');
    let written = 0;
    let stalled = false;
    while (written < total && !stalled) {
      sent.update(chunk);
      written += chunk.length;
      if (!client.write(chunk)) {
        // Bounded wait for 'drain'; none means the proxy stopped reading from the client.
        const drained = await Promise.race([once(client, 'drain').then(() => true), new Promise((res) => setTimeout(res, 2000, false))]);
        if (!drained) stalled = true;
      }
    }
    const s = r.splices[0].s;
    assert.ok(stalled, 'the client never had to wait: the proxy buffered everything');
    assert.ok(s.bytesIn < total, `proxy read everything (${s.bytesIn}) instead of pushing back`);
    const replyParts: Buffer[] = [];
    client.on('data', (d: Buffer) => replyParts.push(d));
    backendSocket!.resume();
    while (written < total) {
      sent.update(chunk);
      written += chunk.length;
      if (!client.write(chunk)) await once(client, 'drain');
    }
    client.end();
    await once(client, 'end');
    assert.is(Buffer.concat(replyParts).toString(), `got ${total}`);
    assert.is(got.digest('hex'), sent.digest('hex'));
    const stats = await r.splices[0].closed;
    assert.is(stats.bytesIn, total);
    await r.close();
  });
}

test.run();
