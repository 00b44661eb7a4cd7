// A listener owns its address: the worker pool never opens one where another socket listens (TCP)
// or is bound (UDP), in either accept mode, and where its workers bind (TCP in reuseport mode, UDP
// always) notices a process that slipped in while they bound (refused, nothing left bound) or that
// joined afterwards (sharedListeners). Real workers, real sockets on random loopback addresses; the
// "other process" is a reuseport TCP server or UDP socket in this one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createListeningCensus, type ListeningCensus } from '../../src/data/listening-census.ts';
import { startWorkerPool, type AcceptMode, type UdpSocketMode, type WorkerPool } from '../../src/data/worker-pool.ts';
import type { BindError } from '../../src/data/bind-main.ts';
import { randomLoopback } from '../helpers/free-port.ts';

type Protocol = 'TCP' | 'UDP';
const census = createListeningCensus();

async function pool(accept: AcceptMode, c?: ListeningCensus, udpSockets?: UdpSocketMode): Promise<WorkerPool> {
  const table = createEndpointTable({ maxSlots: 8, maxServicePorts: 4, affinityEntries: 8 });
  return startWorkerPool({ workers: 2, accept, table, drainTimeoutMs: 1000, census: c, udpSockets });
}

/** Another process's socket, bound with SO_REUSEPORT as switchyard's workers bind theirs. */
async function squatter(protocol: Protocol, address: string, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  if (protocol === 'UDP') {
    const s = createSocket({ type: 'udp4', reusePort: true });
    s.bind({ address, port });
    await once(s, 'listening');
    return { port: s.address().port, close: () => new Promise((r) => s.close(() => r())) };
  }
  const s = createServer((sock) => sock.destroy());
  s.listen({ host: address, port, reusePort: true });
  await once(s, 'listening');
  return { port: (s.address() as AddressInfo).port, close: () => new Promise((r) => s.close(() => r())) };
}

const spec = (address: string, port: number, protocol: Protocol) => ({
  id: `${address}:${port}/${protocol}`, address, port, protocol, servicePortIndex: 0, role: 'clusterIP' as const, sourceRanges: [],
});

const refusal = (p: WorkerPool, address: string, port: number, protocol: Protocol) =>
  p.listen(spec(address, port, protocol)).then(() => null, (e: BindError) => e);

for (const protocol of ['TCP', 'UDP'] as const) {
  for (const accept of ['reuseport', 'transfer'] as const) {
    test(`${protocol}, ${accept}: an address another process holds (SO_REUSEPORT) is refused as in use, nothing bound`, async () => {
      const p = await pool(accept);
      const address = randomLoopback();
      const other = await squatter(protocol, address);
      try {
        const err = await refusal(p, address, other.port, protocol);
        assert.ok(err, 'listen must fail');
        assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
        assert.match(err!.message, /in use by another process/);
        assert.is(await census.count(address, other.port, protocol), 1, 'only the other process is there');
      } finally {
        await other.close();
        await p.close();
      }
    });
  }

  test(`${protocol}: a socket bound while the workers bound is caught by the census; the workers let go`, async () => {
    const address = randomLoopback();
    // The census answers as if one more socket than ours were there: a process bound between the probe and the workers.
    const p = await pool('reuseport', { count: async (a, port, proto) => ((await census.count(a, port, proto)) ?? 0) + (proto === protocol ? 1 : 0) });
    try {
      const err = await refusal(p, address, 0, protocol);
      assert.ok(err, 'listen must fail');
      assert.equal([err!.code, err!.systemCode], ['SY_LISTEN_FAILED', 'EADDRINUSE']);
      assert.match(err!.message, new RegExp(`in use by another process: 1 socket\\(s\\) not ours were bound there \\(${protocol}, SO_REUSEPORT\\)`));
      const port = Number(/:(\d+) is in use/.exec(err!.message)![1]);
      assert.is(await census.count(address, port, protocol), 0, 'no worker is still there');
    } finally {
      await p.close();
    }
  });

  // The transfer acceptor's TCP listener is an exclusive bind: nobody can join it.
  for (const accept of protocol === 'TCP' ? ['reuseport'] as const : ['reuseport', 'transfer'] as const) {
    test(`${protocol}, ${accept}: a process that joins a bound listener later is reported by sharedListeners until it leaves`, async () => {
      const p = await pool(accept);
      const address = randomLoopback();
      try {
        const bound = await p.listen(spec(address, 0, protocol));
        assert.is(await census.count(address, bound.port, protocol), 2, 'one socket per worker');
        assert.equal(await p.sharedListeners(), []);
        const other = await squatter(protocol, address, bound.port);
        assert.equal(await p.sharedListeners(), [`${address}:0/${protocol}`]);
        await other.close();
        assert.equal(await p.sharedListeners(), []);
      } finally {
        await p.close();
      }
    });
  }
}

test('UDP, single sockets: one worker binds the listener; the census expects one socket, and nobody can join it', async () => {
  const p = await pool('reuseport', undefined, 'single');
  const address = randomLoopback();
  try {
    const bound = await p.listen(spec(address, 0, 'UDP'));
    assert.is(await census.count(address, bound.port, 'UDP'), 1);
    assert.equal(await p.sharedListeners(), []);
    const err = await squatter('UDP', address, bound.port).then(async (s) => { await s.close(); return null; }, (e: NodeJS.ErrnoException) => e);
    assert.is(err?.code, 'EADDRINUSE', 'bound without SO_REUSEPORT: a second socket cannot join');
  } finally {
    await p.close();
  }
});

test.run();
