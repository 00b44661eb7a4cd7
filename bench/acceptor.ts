// Which accept mode is faster here: 'transfer' (main thread accepts, hands sockets to workers) or
// 'reuseport' (each worker has its own SO_REUSEPORT listener)? Both through 2 workers to a trivial
// echo backend: new-connection rate (connect, 1-byte echo, close) and keep-alive round trips.
// The echo backend and the load generator run in a separate worker thread so that they do not
// share the main thread with the transfer-mode acceptor.
// Usage: node_modules/.bin/node bench/acceptor.ts [seconds-per-run=3] [concurrency=32]
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { createEndpointTable } from '../src/shared/endpoint-table.ts';
import { createEndpointSlots } from '../src/proxy/endpoint-slots.ts';
import { startWorkerPool, type AcceptMode } from '../src/data/worker-pool.ts';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);

// Plain JavaScript: runs in its own thread. Messages: {echo:true} → {port}; {run} → {count}.
const loadGen = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
const echo = net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
echo.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: echo.address().port }));
parentPort.on('message', ({ kind, port, ms, concurrency }) => {
  const until = performance.now() + ms;
  let count = 0, errors = 0, live = concurrency;
  const done = () => { if (--live === 0) parentPort.postMessage({ count, errors }); };
  const payload = Buffer.alloc(64, 120);
  if (kind === 'connect') {
    const loop = () => {
      if (performance.now() >= until) return done();
      const c = net.connect(port, '127.0.0.1');
      c.setNoDelay(true);
      c.once('connect', () => c.write('x'));
      c.once('data', () => { count++; c.destroy(); loop(); });
      c.once('error', () => { errors++; c.destroy(); loop(); });
    };
    for (let i = 0; i < concurrency; i++) loop();
  } else {
    for (let i = 0; i < concurrency; i++) {
      const c = net.connect(port, '127.0.0.1');
      c.setNoDelay(true);
      let got = 0;
      c.once('connect', () => c.write(payload));
      c.on('data', (d) => {
        got += d.length;
        if (got < payload.length) return;
        got = 0;
        count++;
        if (performance.now() >= until) { c.destroy(); done(); } else c.write(payload);
      });
      c.on('error', () => { errors++; c.destroy(); done(); });
    }
  }
});
`;

async function measure(mode: AcceptMode, gen: Worker, echoPort: number): Promise<{ connPerSec: number; rttPerSec: number; errors: number }> {
  const table = createEndpointTable({ maxSlots: 16, maxServicePorts: 4, affinityEntries: 16 });
  const slots = createEndpointSlots(table);
  const pool = await startWorkerPool({ workers: 2, accept: mode, table, drainTimeoutMs: 1000 });
  const index = slots.allocServicePort();
  pool.setServicePort({
    index, name: 'bench/echo:p/TCP', generation: 1,
    options: { algorithm: 'round-robin', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 2000, idleTimeoutMs: 0, connectAttempts: 2, maxConnections: 0 },
    endpoints: slots.update(index, [{ ip: '127.0.0.1', port: echoPort, ready: true, serving: true, terminating: false, weight: 1, name: 'echo' }]),
  });
  const { port } = await pool.listen({ id: 'bench', address: '127.0.0.1', port: 0, protocol: 'TCP', servicePortIndex: index, role: 'clusterIP', sourceRanges: [] });
  const run = async (kind: string) => {
    gen.postMessage({ kind, port, ms: seconds * 1000, concurrency });
    const [r] = await once(gen, 'message') as [{ count: number; errors: number }];
    return r;
  };
  const conn = await run('connect');
  const ka = await run('keepalive');
  await pool.close();
  return { connPerSec: Math.round(conn.count / seconds), rttPerSec: Math.round(ka.count / seconds), errors: conn.errors + ka.errors };
}

const gen = new Worker(loadGen, { eval: true });
const [{ port: echoPort }] = await once(gen, 'message') as [{ port: number }];
const results: Record<string, unknown> = {};
// Alternate the order so warm-up effects do not favour one mode.
for (const mode of ['transfer', 'reuseport', 'reuseport', 'transfer'] as const) {
  const r = await measure(mode, gen, echoPort);
  console.log(`${mode.padEnd(9)} new connections/s ${String(r.connPerSec).padStart(7)}   keep-alive round trips/s ${String(r.rttPerSec).padStart(7)}   errors ${r.errors}`);
  results[`${mode}-${Object.keys(results).filter((k) => k.startsWith(mode)).length}`] = r;
}
await gen.terminate();
console.log(JSON.stringify({ seconds, concurrency, workers: 2, results }));
