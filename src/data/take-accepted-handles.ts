// Reuseport listeners on a data-plane worker thread: accepted connections are taken as raw TCP
// handles, before Node wraps them in a net.Socket, so the worker can serve them through the raw
// transport (raw-transport.ts) or, where the raw bindings are missing, build the net.Socket itself
// with `onread` (splice.ts acceptedSocket). Node's public API offers neither: a server builds its
// accepted sockets with a fresh 64 KiB buffer per read pushed through the Readable machinery,
// which was the largest part of switchyard's per-request CPU beyond HAProxy's (bench/README.md,
// "Where the time goes"). So the listening handle's `onconnection` callback — the one hook between
// libuv's accept and the net.Socket — is taken over once the server listens.
//
// `server._handle.onconnection` is not documented API. Node is pinned (the `node` devDependency),
// test/integration/data-splice-onread.test.ts fails if the hook cannot be taken on it, and when the
// handle does not look as expected the server keeps Node's own path ('connection' events with a
// plain socket) — slower, never wrong.
import type { Server } from 'node:net';
import type { TcpHandle } from './raw-tcp.ts';

interface ListenHandle { onconnection?: (this: ListenHandle, err: number, handle?: TcpHandle) => void }

/** After `server` is listening: hand each accepted connection's handle (noDelay set) to `onHandle`.
 *  Returns false, changing nothing, when the listening handle has no `onconnection` to take. */
export function takeAcceptedHandles(server: Server, onHandle: (handle: TcpHandle) => void): boolean {
  const listening = (server as unknown as { _handle?: ListenHandle | null })._handle;
  const nodeOwn = listening?.onconnection;
  if (!listening || typeof nodeOwn !== 'function') return false;
  listening.onconnection = function onconnection(err, handle) {
    // Errors (EMFILE and the like) keep Node's handling: an 'error' event on the server.
    if (err || !handle) { nodeOwn.call(this, err, handle); return; }
    // What Node's own path does for a server created with noDelay: one setsockopt on the handle.
    handle.setNoDelay(true);
    onHandle(handle);
  };
  return true;
}
