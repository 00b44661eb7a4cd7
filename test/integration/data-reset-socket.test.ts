// resetSocket (src/data/reset-socket.ts): a socket whose write side is still shutting down (end()
// called, shutdown not completed) is closed rather than reset, because resetAndDestroy() would leave
// it never closing; any other socket is reset, so its peer sees ECONNRESET rather than a clean end.
// Against resetAndDestroy() the first test fails its bounded wait, and the file then times out:
// the leaked handle keeps the process from ending.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { resetSocket } from '../../src/data/reset-socket.ts';
import { until } from '../helpers/data-plane.ts';

let server: Server;
const accepted: Socket[] = [];

test.before(async () => {
  server = createServer({ allowHalfOpen: true }, (s) => { accepted.push(s); s.on('error', () => {}); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

test.after(async () => {
  for (const s of accepted) s.destroy();
  await new Promise((r) => server.close(r));
});

/** A connected client and the server's end of it. */
async function pair(): Promise<{ client: Socket; peer: Socket }> {
  const before = accepted.length;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  await until(() => accepted.length > before, 'the server to accept');
  return { client, peer: accepted[accepted.length - 1] };
}

test('a socket reset in the same turn as its end() still closes, without an error', async () => {
  const { client, peer } = await pair();
  let closed = false;
  let error: string | undefined;
  client.on('close', () => { closed = true; });
  client.on('error', (e: NodeJS.ErrnoException) => { error = e.code; });
  let peerEnded = false;
  peer.on('end', () => { peerEnded = true; });
  peer.on('close', () => { peerEnded = true; });
  peer.resume();
  client.end();
  resetSocket(client);
  await until(() => closed, 'the socket to close');
  assert.is(error, undefined);
  await until(() => peerEnded, 'the peer to see the connection end');
});

test('a socket that is not shutting down is reset: its peer sees ECONNRESET', async () => {
  const { client, peer } = await pair();
  let peerError: string | undefined;
  peer.on('error', (e: NodeJS.ErrnoException) => { peerError = e.code; });
  peer.resume();
  resetSocket(client);
  await until(() => peerError !== undefined, 'the peer to see the reset');
  assert.is(peerError, 'ECONNRESET');
});

test.run();
