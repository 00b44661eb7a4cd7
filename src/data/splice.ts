// Bidirectional byte copy between a client socket and its upstream, on a data-plane worker thread.
// Plain 'data' handlers with pause/resume on write()/'drain' instead of .pipe()/pipeline: the
// stream machinery around each chunk is where Node proxies lose CPU to HAProxy (DESIGN.md).
// Both sockets must be created with allowHalfOpen so that a FIN travels one way while the other
// direction keeps flowing.
import type { Socket } from 'node:net';

export type SpliceEnd = 'client-closed' | 'upstream-closed' | 'idle-timeout' | 'client-error' | 'upstream-error' | 'drained';

export interface SpliceStats {
  /** Bytes client → upstream. */
  bytesIn: number;
  /** Bytes upstream → client. */
  bytesOut: number;
  /** The first thing that ended the connection (a FIN, an error, the idle timer or a drain). */
  end: SpliceEnd;
  error?: string;
}

export interface SpliceOptions {
  /** No byte either way for this long → both sockets closed. 0 = no idle timeout. */
  idleTimeoutMs: number;
  onClose: (stats: SpliceStats) => void;
}

export interface Splice {
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** End the connection now (drain timeout, shutdown): both sockets destroyed. */
  close(reason: SpliceEnd): void;
}

/** Starts copying at once; resumes `client` if it was paused (bytes held during connect flow now). */
export function splice(client: Socket, upstream: Socket, opts: SpliceOptions): Splice {
  let bytesIn = 0;
  let bytesOut = 0;
  let end: SpliceEnd | null = null;
  let error: string | undefined;
  let finished = false;
  let clientClosed = false;
  let upstreamClosed = false;
  let clientReadEnded = false;
  let upstreamReadEnded = false;
  // Activity is a timestamp checked when the timer fires, not a timer reset per chunk.
  let lastActivity = performance.now();
  let idleTimer: NodeJS.Timeout | null = null;

  const setEnd = (reason: SpliceEnd, err?: Error) => {
    if (end === null) {
      end = reason;
      if (err) error = (err as NodeJS.ErrnoException).code ?? err.message;
    }
  };

  const finish = () => {
    if (finished || !clientClosed || !upstreamClosed) return;
    finished = true;
    if (idleTimer) clearTimeout(idleTimer);
    client.removeListener('data', onClientData);
    upstream.removeListener('data', onUpstreamData);
    opts.onClose({ bytesIn, bytesOut, end: end ?? 'drained', error });
  };

  const onClientData = (chunk: Buffer) => {
    bytesIn += chunk.length;
    lastActivity = performance.now();
    if (!upstream.write(chunk)) client.pause();
  };
  const onUpstreamData = (chunk: Buffer) => {
    bytesOut += chunk.length;
    lastActivity = performance.now();
    if (!client.write(chunk)) upstream.pause();
  };

  client.on('data', onClientData);
  upstream.on('data', onUpstreamData);
  upstream.on('drain', () => client.resume());
  client.on('drain', () => upstream.resume());

  // Half-close: a FIN from one side becomes a FIN to the other; the reverse direction keeps going.
  client.on('end', () => {
    clientReadEnded = true;
    setEnd('client-closed');
    upstream.end();
  });
  upstream.on('end', () => {
    upstreamReadEnded = true;
    setEnd('upstream-closed');
    client.end();
  });

  // A reset on one side is passed on as a reset, so the peer does not mistake it for a clean end.
  client.on('error', (err) => {
    setEnd('client-error', err);
    if (!upstream.destroyed) upstream.resetAndDestroy();
  });
  upstream.on('error', (err) => {
    setEnd('upstream-error', err);
    if (!client.destroyed) client.resetAndDestroy();
  });

  // A side that closed without its peer's FIN having reached it can never receive the rest: stop
  // the peer too. After a clean two-way FIN exchange the peer closes itself once its writes flush.
  client.on('close', () => {
    clientClosed = true;
    if (!upstream.destroyed && !upstreamReadEnded) upstream.destroy();
    finish();
  });
  upstream.on('close', () => {
    upstreamClosed = true;
    if (!client.destroyed && !clientReadEnded) client.destroy();
    finish();
  });

  if (opts.idleTimeoutMs > 0) {
    const check = () => {
      const idle = performance.now() - lastActivity;
      if (idle >= opts.idleTimeoutMs) {
        idleTimer = null;
        close('idle-timeout');
        return;
      }
      idleTimer = setTimeout(check, opts.idleTimeoutMs - idle);
      idleTimer.unref();
    };
    idleTimer = setTimeout(check, opts.idleTimeoutMs);
    idleTimer.unref();
  }

  function close(reason: SpliceEnd): void {
    setEnd(reason);
    if (!client.destroyed) client.destroy();
    if (!upstream.destroyed) upstream.destroy();
  }

  // Sockets that closed before splice attached its 'close' listeners.
  if (client.destroyed && client.closed) { clientClosed = true; }
  if (upstream.destroyed && upstream.closed) { upstreamClosed = true; }
  client.resume();
  upstream.resume();
  finish();

  return {
    get bytesIn() { return bytesIn; },
    get bytesOut() { return bytesOut; },
    close,
  };
}
