// One request through a target before it is measured: an HTTP GET on a fresh connection and a
// ping to the sink. Returns undefined when both work, else what failed (used to wait for readiness
// and to report a target that does not carry traffic).
import net from 'node:net';
import type { Address, Target } from './target.ts';

function exchange(addr: Address, send: Buffer | string, done: (got: Buffer) => boolean, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    let got = Buffer.alloc(0);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err); else resolve(got);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${addr.host}:${addr.port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(send));
    socket.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); if (done(got)) finish(); });
    socket.on('end', () => finish());
    socket.on('error', (e) => finish(e));
  });
}

export async function probeTarget(target: Target, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const http = await exchange(target.http, 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n', () => false, timeoutMs);
    if (!http.toString('latin1').startsWith('HTTP/1.1 200')) {
      return `HTTP through ${target.label} ${target.http.host}:${target.http.port}: got ${JSON.stringify(http.toString('latin1').slice(0, 60))}`;
    }
  } catch (err) {
    return `HTTP through ${target.label}: ${(err as Error).message}`;
  }
  try {
    const ping = Buffer.from([0x55, 0, 0, 0, 0]);
    const ack = await exchange(target.sink, ping, (got) => got.length >= 1, timeoutMs);
    if (ack.toString('latin1') !== 'K') return `sink ping through ${target.label}: got ${JSON.stringify(ack.toString('latin1'))}`;
  } catch (err) {
    return `sink ping through ${target.label}: ${(err as Error).message}`;
  }
  return undefined;
}
