// The contract of a splice (a client connection spliced to its upstream), shared by the raw-handle
// splice (raw-splice.ts), the net.Socket splice (splice.ts) and what they have in common
// (splice-core.ts, splice-buffers.ts), so that none of them imports another for its types.
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
