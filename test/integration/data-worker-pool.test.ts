// The TCP data plane end to end: real worker threads in the real pool, the real endpoint table,
// slot manager and picker, real sockets on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createEndpointSlots, type DesiredEndpoint } from '../../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type AcceptMode, type WorkerPool } from '../../src/data/worker-pool.ts';
import type { ListenerSpec, ServicePortOptions } from '../../src/shared/messages.ts';
import { blackholeBackend, deadPort, exchange, until } from '../helpers/data-plane.ts';
import type { SyError } from '../../src/model/sy-error.ts';

const BASE: ServicePortOptions = {
  algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000,
  idleTimeoutMs: 0, connectAttempts: 3, maxConnections: 0,
};

interface Rig {
  pool: WorkerPool;
  log: Record<string, unknown>[];
  servicePort(backends: number[], options?: Partial<ServicePortOptions>): number;
  listen(index: number, spec?: Partial<ListenerSpec>): Promise<number>;
  close(): Promise<void>;
}

async function rig(accept: AcceptMode, maxConnections = 0): Promise<Rig> {
  const table = createEndpointTable({ maxSlots: 64, maxServicePorts: 16, affinityEntries: 64 });
  const slots = createEndpointSlots(table);
  const log: Record<string, unknown>[] = [];
  const pool = await startWorkerPool({
    workers: 2, accept, table, drainTimeoutMs: 5000, maxConnections,
    accessLog: (lines) => { for (const l of lines) log.push(JSON.parse(l)); },
  });
  let n = 0;
  return {
    pool, log,
    servicePort(backends, options) {
      const index = slots.allocServicePort();
      const desired: DesiredEndpoint[] = backends.map((port) => ({
        ip: '127.0.0.1', port, ready: true, serving: true, terminating: false, weight: 1, name: `127.0.0.1:${port}`,
      }));
      pool.setServicePort({ index, name: `default/svc${index}:p/TCP`, generation: 1, options: { ...BASE, ...options }, endpoints: slots.update(index, desired) });
      return index;
    },
    async listen(index, spec) {
      const b = await pool.listen({ id: `l${n++}`, address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [], ...spec });
      return b.port;
    },
    close: () => pool.close(),
  };
}

interface Backend { server: Server; port: number; sockets: Set<Socket>; accepted: number; close(): Promise<void> }

async function backend(onConn: (s: Socket) => void = (s) => s.pipe(s)): Promise<Backend> {
  const sockets = new Set<Socket>();
  const b = { accepted: 0 } as Backend;
  const server = createServer({ allowHalfOpen: true }, (s) => {
    b.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(b, {
    server, sockets, port: (server.address() as AddressInfo).port,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); },
  });
}

for (const mode of ['transfer', 'reuseport'] as const) {
  test(`${mode}: connections are spread over endpoints and echoed intact`, async () => {
    const r = await rig(mode);
    const a = await backend();
    const b = await backend();
    const port = await r.listen(r.servicePort([a.port, b.port]));
    for (let i = 0; i < 20; i++) assert.is(await exchange(port, `hello ${i}`), `hello ${i}`);
    assert.is(a.accepted, 10);
    assert.is(b.accepted, 10);
    await until(() => r.log.length === 20, 'access log');
    assert.ok(r.log.every((l) => l.end === 'client-closed' && l.bytesIn === l.bytesOut && l.attempts === 1));
    await r.close();
    await a.close();
    await b.close();
  });

  test(`${mode}: a crashed worker is replaced and traffic continues`, async () => {
    const r = await rig(mode);
    const a = await backend();
    const port = await r.listen(r.servicePort([a.port]));
    assert.is(await exchange(port, 'before'), 'before');
    await r.pool.threads()[0].terminate();
    await until(() => r.pool.restarts === 1 && r.pool.threads().length === 2, 'a replacement worker');
    // Once the replacement answers a sync it has handled its state and its listener (reuseport: the
    // bind follows at once); until then the other worker alone serves. No connection may fail.
    await r.pool.sync();
    for (let i = 0; i < 20; i++) assert.is(await exchange(port, `after ${i}`), `after ${i}`);
    await r.close();
    await a.close();
  });
}

test('zero endpoints: the client is refused at once', async () => {
  const r = await rig('transfer');
  const port = await r.listen(r.servicePort([], { connectTimeoutMs: 60_000 }));
  const res = await exchange(port, 'x');
  assert.ok(res === 'ERR:ECONNRESET' || res === 'ERR:ECONNREFUSED', res);
  await until(() => r.log.length === 1, 'access log');
  assert.is(r.log[0].end, 'no-endpoints');
  await r.close();
});

test('a dead endpoint is retried elsewhere with no client-visible failure', async () => {
  const r = await rig('transfer');
  const a = await backend();
  const dead = await deadPort();
  const port = await r.listen(r.servicePort([dead, a.port], { connectAttempts: 2 }));
  for (let i = 0; i < 10; i++) assert.is(await exchange(port, `r${i}`), `r${i}`);
  assert.is(a.accepted, 10);
  await until(() => r.log.length === 10, 'access log');
  assert.ok(r.log.some((l) => l.attempts === 2), 'no connection needed a retry');
  await r.close();
  await a.close();
});

test('a connect that hangs is abandoned at its deadline and retried elsewhere', async () => {
  // The worker threads' real clock (src/data/thread-clock.ts) passes the deadline; the unit tests
  // run the same code on a manual clock.
  const r = await rig('reuseport');
  const hole = await blackholeBackend();
  const a = await backend();
  const port = await r.listen(r.servicePort([hole.port, a.port], { connectTimeoutMs: 200, connectAttempts: 2 }));
  for (let i = 0; i < 4; i++) assert.is(await exchange(port, `t${i}`), `t${i}`);
  await until(() => r.log.length === 4, 'access log');
  assert.ok(r.log.some((l) => l.attempts === 2), 'no connection met the hanging endpoint');
  assert.ok(r.log.every((l) => l.end === 'client-closed'));
  await r.close();
  await a.close();
  await hole.close();
});

test('half-close: the reply flows after the client FIN', async () => {
  const r = await rig('transfer');
  const a = await backend((s) => {
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('end', () => s.end(`got ${got}`));
  });
  const port = await r.listen(r.servicePort([a.port]));
  assert.is(await exchange(port, 'ping'), 'got ping');
  await r.close();
  await a.close();
});

test('idle timeout closes a silent connection', async () => {
  const r = await rig('transfer');
  const a = await backend(() => {});
  const port = await r.listen(r.servicePort([a.port], { idleTimeoutMs: 200 }));
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('x');
  await once(c, 'close');
  await until(() => r.log.length === 1, 'access log');
  assert.is(r.log[0].end, 'idle-timeout');
  await r.close();
  await a.close();
});

async function hold(port: number): Promise<Socket> {
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('hold');
  await once(c, 'data');
  return c;
}

test('max connections per Service port and global', async () => {
  const r = await rig('transfer');
  const a = await backend();
  const port = await r.listen(r.servicePort([a.port], { maxConnections: 2 }));
  const held = [await hold(port), await hold(port)];
  assert.is(await exchange(port, 'third'), 'ERR:ECONNRESET');
  held[0].destroy();
  await until(() => a.sockets.size === 1, 'the backend to see the close');
  assert.is(await exchange(port, 'fourth'), 'fourth');
  held[1].destroy();
  await r.close();

  const g = await rig('reuseport', 1);
  const p1 = await g.listen(g.servicePort([a.port]));
  const p2 = await g.listen(g.servicePort([a.port]));
  const one = await hold(p1);
  assert.is(await exchange(p2, 'over the global limit'), 'ERR:ECONNRESET');
  one.destroy();
  await until(() => a.sockets.size === 0, 'the backend to see the close');
  assert.is(await exchange(p2, 'fits'), 'fits');
  await g.close();
  await a.close();
});

for (const mode of ['transfer', 'reuseport'] as const) {
  test(`${mode}: loadBalancerSourceRanges drop other clients, only on the loadBalancer role`, async () => {
    const r = await rig(mode);
    const a = await backend();
    const index = r.servicePort([a.port]);
    const denied = await r.listen(index, { role: 'loadBalancer', sourceRanges: ['10.0.0.0/8'] });
    const allowed = await r.listen(index, { role: 'loadBalancer', sourceRanges: ['10.0.0.0/8', '127.0.0.0/8'] });
    const nodePort = await r.listen(index, { role: 'nodePort', sourceRanges: ['10.0.0.0/8'] });
    const res = await exchange(denied, 'x');
    assert.ok(res === '' || res.startsWith('ERR:'), res);
    assert.is(await exchange(allowed, 'y'), 'y');
    assert.is(await exchange(nodePort, 'z'), 'z');
    assert.is(a.accepted, 2);
    await r.close();
    await a.close();
  });
}

test('PROXY protocol v1 and v2 headers reach the backend before the client bytes', async () => {
  const r = await rig('transfer');
  const seen: Buffer[] = [];
  const a = await backend((s) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => { seen.push(Buffer.concat(parts)); s.end('ok'); });
  });
  const v1 = await r.listen(r.servicePort([a.port], { proxyProtocol: 1 }));
  const v2 = await r.listen(r.servicePort([a.port], { proxyProtocol: 2 }));
  const c = connect({ host: '127.0.0.1', port: v1, allowHalfOpen: true });
  await once(c, 'connect');
  const clientPort = c.localPort!;
  c.end('payload');
  c.resume();
  await once(c, 'close');
  assert.is(seen[0].toString('latin1'), `PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${v1}\r\npayload`);
  const c2 = connect({ host: '127.0.0.1', port: v2, allowHalfOpen: true });
  await once(c2, 'connect');
  const p2 = c2.localPort!;
  c2.end('data');
  c2.resume();
  await once(c2, 'close');
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(p2, 0);
  ports.writeUInt16BE(v2, 2);
  assert.is(seen[1].toString('hex'),
    '0d0a0d0a000d0a515549540a' + '2111000c' + '7f000001' + '7f000001' + ports.toString('hex') + Buffer.from('data').toString('hex'));
  await r.close();
  await a.close();
});

test('listen reports bind errors with their code', async () => {
  for (const mode of ['transfer', 'reuseport'] as const) {
    const r = await rig(mode);
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const index = r.servicePort([]);
    const err = await r.pool.listen({ id: 'busy', address: '127.0.0.1', port: (taken.address() as AddressInfo).port, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] })
      .then(() => null, (e: SyError) => e);
    assert.equal([err?.code, err?.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE'], mode);
    const bad = await r.pool.listen({ id: 'bad', address: '192.0.2.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] })
      .then(() => null, (e: SyError) => e);
    assert.equal([bad?.code, bad?.systemCode], ['SY_LISTEN_FAILED', 'EADDRNOTAVAIL'], mode);
    await new Promise((res) => taken.close(res));
    await r.close();
  }
});

test.run();
