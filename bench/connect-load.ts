// New connection per request: `concurrency` loops, each connect → send one HTTP request with
// `Connection: close` → read until the server's FIN → close, repeated until `durationS` is up.
// A raw socket loop rather than autocannon: autocannon's reconnect behaviour on `Connection: close`
// is not something we control, and here every counted connection is a complete, verified exchange.
import net from 'node:net';
import type { Address } from './target.ts';

export interface ConnectLoadResult { connections: number; errors: number; elapsedS: number }

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
const OK = Buffer.from('HTTP/1.1 200');

function oneConnection(addr: Address): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr.host, port: addr.port, noDelay: true });
    let first: Buffer | undefined;
    const done = (ok: boolean) => { clearTimeout(timer); socket.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), 10_000);
    socket.on('connect', () => socket.write(REQUEST));
    socket.on('data', (d: Buffer) => { first ??= d; });
    socket.on('end', () => done(!!first && first.subarray(0, OK.length).equals(OK)));
    socket.on('error', () => done(false));
  });
}

export async function runConnectLoad(addr: Address, concurrency: number, durationS: number): Promise<ConnectLoadResult> {
  let connections = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationS * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      if (await oneConnection(addr)) connections++;
      else errors++;
      // Failures end quickly; back off so a dead target does not spin.
      if (errors > 0 && errors % 100 === 0) await new Promise((r) => setTimeout(r, 10));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { connections, errors, elapsedS: (performance.now() - start) / 1000 };
}
