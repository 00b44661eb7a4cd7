// Reuseport listeners on a data-plane worker thread: accepted connections become sockets that read
// through the thread's shared `onread` buffer (splice.ts), like the upstreams do. Node's public API
// offers `onread` only to sockets it connects itself; a server builds its accepted sockets with a
// fresh 64 KiB buffer per read pushed through the Readable machinery, which was the largest part of
// switchyard's per-request CPU beyond HAProxy's (bench/README.md, "Where the time goes"). So the
// listening handle's `onconnection` callback — the one hook between libuv's accept and the
// net.Socket — is taken over once the server listens, and builds the socket itself with `onread`.
//
// `server._handle.onconnection` is not documented API. Node is pinned (the `node` devDependency),
// test/integration/data-accept-onread.test.ts fails if the hook is not taken on it, and when the
// handle does not look as expected the server keeps Node's own path ('connection' events with a
// plain socket, which splice() serves through 'data' events) — slower, never wrong.
import type { Server, Socket } from 'node:net';
import { acceptedSocket } from './splice.ts';

interface ConnectionHandle { setNoDelay?: (on: boolean) => number; close(): void }
interface ListenHandle { onconnection?: (this: ListenHandle, err: number, handle?: ConnectionHandle) => void }

/** After `server` is listening: serve its connections as `onread` sockets via `onSocket`.
 *  Returns false (and changes nothing) when the listening handle has no `onconnection` to take. */
export function acceptWithOnread(server: Server, onSocket: (socket: Socket) => void): boolean {
  const handle = (server as unknown as { _handle?: ListenHandle | null })._handle;
  const nodeOwn = handle?.onconnection;
  if (!handle || typeof nodeOwn !== 'function') return false;
  handle.onconnection = function onconnection(err, clientHandle) {
    // Errors (EMFILE and the like) keep Node's handling: an 'error' event on the server.
    if (err || !clientHandle) { nodeOwn.call(this, err, clientHandle); return; }
    // What Node's own path does for a server created with noDelay: one setsockopt on the handle.
    clientHandle.setNoDelay?.(true);
    let socket: Socket;
    try {
      socket = acceptedSocket(clientHandle);
    } catch {
      clientHandle.close();
      return;
    }
    onSocket(socket);
  };
  return true;
}
