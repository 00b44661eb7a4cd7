// A listener owns its address: the worker pool never opens one where another socket listens, in
// either accept mode, and where its workers bind (TCP in reuseport mode, UDP always) notices a
// process that slipped in while they bound (refused, nothing left bound) or that joined afterwards
// (sharedListeners). Real workers, real sockets on random loopback addresses; the "other process"
// is a reuseport server or UDP socket in this one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createListeningCensus, type ListeningCensus } from '../../src/data/listening-census.ts';
import { startWorkerPool, type AcceptMode, type UdpSocketMode, type WorkerPool } from '../../src/data/worker-pool.ts';
import type { BindError } from '../../src/data/bind-main.ts';
import { randomLoopback } from '../helpers/free-port.ts';

const census = createListeningCensus();

async function pool(accept: AcceptMode, c?: ListeningCensus, udpSockets?: UdpSocketMode): Promise<WorkerPool> {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8 });
  return startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: 1000, census: c, udpSockets });
}

/** Another process's UDP socket, bound with SO_REUSEPORT as switchyard's workers bind theirs. */
async function udpSquatter(address: string, port = 0): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reusePort: true });
  s.bind({ address, port });
  await once(s, 'listening');
  return s;
}

async function squatter(address: string, port = 0): Promise<Server> {
  const s = createServer((sock) => sock.destroy());
  s.listen({ host: address, port, reusePort: true });
  await once(s, 'listening');
  return s;
}

const spec = (address: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({
  id: `${address}:${port}/${protocol}`, address, port, protocol, servicePortIndex: 0, role: 'clusterIP' as const, sourceRanges: [],
});

for (const accept of ['reuseport', 'transfer'] as const) {
  test(`${accept}: an address another process listens on (SO_REUSEPORT) is refused as in use, nothing bound`, async () => {
    const p = await pool(accept);
    const address = randomLoopback();
    const other = await squatter(address);
    const port = (other.address() as AddressInfo).port;
    try {
      const err = await p.listen(spec(address, port)).then(() => null, (e: BindError) => e);
      assert.ok(err, 'listen must fail');
      assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
      assert.match(err!.message, /in use by another process/);
      assert.is(await census.count(address, port), 1, 'only the other process listens there');
    } finally {
      other.close();
      await p.close();
    }
  });
}

test('reuseport: a socket that began listening while the workers bound is caught by the census; the workers let go', async () => {
  const address = randomLoopback();
  // The census answers as if one more socket than ours listened: a process bound between the probe and the workers.
  const p = await pool('reuseport', { count: async (a, port) => ((await census.count(a, port)) ?? 0) + 1 });
  try {
    const err = await p.listen(spec(address, 0)).then(() => null, (e: BindError) => e);
    assert.ok(err, 'listen must fail');
    assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
    assert.match(err!.message, /in use by another process: 1 socket\(s\) not ours/);
    const port = Number(/:(\d+) is in use/.exec(err!.message)![1]);
    assert.is(await census.count(address, port), 0, 'no worker still listens');
  } finally {
    await p.close();
  }
});

test('reuseport: a process that joins a bound listener later is reported by sharedListeners until it leaves', async () => {
  const p = await pool('reuseport');
  const address = randomLoopback();
  try {
    const bound = await p.listen(spec(address, 0));
    assert.equal(await p.sharedListeners(), []);
    const other = await squatter(address, bound.port);
    assert.equal(await p.sharedListeners(), [`${address}:0/TCP`]);
    other.close();
    await once(other, 'close');
    assert.equal(await p.sharedListeners(), []);
  } finally {
    await p.close();
  }
});

for (const accept of ['reuseport', 'transfer'] as const) {
  test(`UDP (${accept}): an address another process's UDP socket holds (SO_REUSEPORT) is refused as in use, nothing bound`, async () => {
    const p = await pool(accept);
    const address = randomLoopback();
    const other = await udpSquatter(address);
    const port = other.address().port;
    try {
      const err = await p.listen(spec(address, port, 'UDP')).then(() => null, (e: BindError) => e);
      assert.ok(err, 'listen must fail');
      assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
      assert.match(err!.message, /in use by another process/);
      assert.is(await census.count(address, port, 'UDP'), 1, 'only the other process is bound there');
    } finally {
      other.close();
      await p.close();
    }
  });

  test(`UDP (${accept}): a process that joins a bound UDP listener later is reported by sharedListeners until it leaves`, async () => {
    const p = await pool(accept);
    const address = randomLoopback();
    try {
      const bound = await p.listen(spec(address, 0, 'UDP'));
      assert.is(await census.count(address, bound.port, 'UDP'), 2, 'one socket per worker');
      assert.equal(await p.sharedListeners(), []);
      const other = await udpSquatter(address, bound.port);
      assert.equal(await p.sharedListeners(), [`${address}:0/UDP`]);
      other.close();
      await once(other, 'close');
      assert.equal(await p.sharedListeners(), []);
    } finally {
      await p.close();
    }
  });
}

test('UDP: a socket bound while the workers bound is caught by the census; the workers let go', async () => {
  const address = randomLoopback();
  const p = await pool('reuseport', { count: async (a, port, protocol) => ((await census.count(a, port, protocol)) ?? 0) + (protocol === 'UDP' ? 1 : 0) });
  try {
    const err = await p.listen(spec(address, 0, 'UDP')).then(() => null, (e: BindError) => e);
    assert.ok(err, 'listen must fail');
    assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
    assert.match(err!.message, /in use by another process: 1 socket\(s\) not ours were bound there \(UDP, SO_REUSEPORT\)/);
    const port = Number(/:(\d+) is in use/.exec(err!.message)![1]);
    assert.is(await census.count(address, port, 'UDP'), 0, 'no worker is still bound');
  } finally {
    await p.close();
  }
});

test('UDP, single sockets: one worker binds the listener; the census expects one socket, and nobody can join it', async () => {
  const p = await pool('reuseport', undefined, 'single');
  const address = randomLoopback();
  try {
    const bound = await p.listen(spec(address, 0, 'UDP'));
    assert.is(await census.count(address, bound.port, 'UDP'), 1);
    assert.equal(await p.sharedListeners(), []);
    const err = await udpSquatter(address, bound.port).then((s) => { s.close(); return null; }, (e: NodeJS.ErrnoException) => e);
    assert.is(err?.code, 'EADDRINUSE', 'bound without SO_REUSEPORT: a second socket cannot join');
  } finally {
    await p.close();
  }
});

test.run();
