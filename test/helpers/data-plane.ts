// Small pieces the data-plane integration tests share: an echo backend, a one-shot exchange
// through the proxy, a port nothing listens on, and a bounded wait for a condition.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
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

/** Polls `cond` every 25 ms, at most `tries` times; fails the test naming `what` if it never holds. */
export async function until(cond: () => boolean, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}
