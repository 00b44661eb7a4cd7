// Ending a TCP socket with a RST, on whichever thread owns the socket (data-plane workers, and the
// main thread's transfer acceptor).
//
// A TCP handle must not be reset while its write side is shutting down (end() or a raw shutdown
// was issued and has not completed, which takes at least one event-loop turn): libuv refuses
// uv_tcp_close_reset() on a stream with a pending shutdown (UV_EINVAL, "mixing uv_shutdown and
// uv_tcp_close_reset is not allowed"), and Node 26's TCPWrap marks the handle closing anyway, so
// neither 'close' nor a later handle.close() ever happens. The socket never closes (a splice never
// finishes and a worker drain waits for it forever), its fd leaks, and the thread can no longer be
// torn down: Environment::CleanupHandles waits for that handle at 100 % CPU, so Worker.terminate()
// and even process.exit() (which joins worker threads) never return.
// raw-splice.ts avoids it the same way for raw handles. Tests: data-reset-socket.test.ts (plain
// sockets), data-drain-stress.test.ts (both splices, both accept modes).
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
