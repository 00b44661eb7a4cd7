// Ending a TCP socket with a RST, on whichever thread owns the socket (data-plane workers, and the
// main thread's transfer acceptor).
//
// socket.resetAndDestroy() must not be called while the socket's write side is shutting down (end()
// was called and its shutdown(2) has not completed yet, which takes at least one event-loop turn):
// libuv refuses uv_tcp_close_reset() on a stream with a pending shutdown (UV_EINVAL, "mixing
// uv_shutdown and uv_tcp_close_reset is not allowed"), and Node 26 then emits that error and drops
// the handle without closing it. The socket never emits 'close' (so a splice never finishes and a
// worker drain waits for it forever), its fd leaks, and the thread can no longer be torn down:
// Environment::CleanupHandles waits for that handle at 100 % CPU, so Worker.terminate() and even
// process.exit() (which joins worker threads) never return. test/integration/data-reset-socket.test.ts
// shows it with plain sockets.
import type { Socket } from 'node:net';

/**
 * Resets `socket` (RST), or closes it when a reset cannot be done safely: while it is shutting down
 * (the peer has been sent, or is about to be sent, a FIN, so it already saw a clean end of this
 * direction) or still connecting (resetAndDestroy would wait for a 'connect' that may never come).
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || (socket.writableEnded && !socket.writableFinished)) socket.destroy();
  else socket.resetAndDestroy();
}
