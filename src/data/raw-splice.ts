// Bidirectional byte copy between two raw TCP handles (raw-tcp.ts), on a data-plane worker thread:
// the same contract as splice.ts, without net.Socket. Per connection, net.Socket builds two duplex
// streams (ReadableState, WritableState, emitters), dispatches connect/end/finish/close through
// process.nextTick, and runs every read and write through the stream machinery; that was most of
// switchyard's user-space CPU per request and per connection (bench/README.md, "Where the time
// goes"). Here a connection is one RawSplice and two RawEnd objects, reads land in the thread's
// shared buffer (as in splice.ts) and are copied out, and each write is one writeBuffer call.
//
// Backpressure: a write the kernel did not take at once (asynchronous) stops reading from the
// other end until every pending write to this end has completed, so at most one read's worth of
// bytes per direction is held in user space.
// Half-close: an EOF from one end becomes a FIN (shutdown) to the other once the writes to it have
// drained; the other direction keeps flowing. When both directions are done, both handles close.
// Errors: a read or write error on one end closes it and resets (RST) the other, so the peer does
// not mistake a failure for a clean end.
import { rawErrorName, rawTcp, type ShutdownReq, type TcpHandle, type WriteReq } from './raw-tcp.ts';
import { copySmall, copyToSlab, giveSlab, SLAB_MIN_BYTES, threadReadBuffer, idleClock, watchIdle, unwatchIdle } from './splice-buffers.ts';
import type { SpliceEnd, SpliceOptions } from './splice-types.ts';
import { SpliceCore } from './splice-core.ts';

const kEnd = Symbol('switchyard.rawEnd');
type Tagged = TcpHandle & { [kEnd]?: RawEnd | null };
type EndReq = WriteReq & { end?: RawEnd; slab?: Buffer | null };

export interface RawSpliceOptions extends SpliceOptions {
  /** Bytes for the upstream before any of the client's (the PROXY header). */
  head?: Buffer | null;
}

class RawEnd {
  readonly handle: Tagged;
  readonly splice: RawSplice;
  readonly isClient: boolean;
  peer!: RawEnd;
  reading = false;
  /** This end sent its EOF. */
  readEnded = false;
  /** A FIN to this end is owed, to be sent when the writes to it drain. */
  finOwed = false;
  /** The FIN to this end has been handed to the kernel. */
  finSent = false;
  /** Writes to this end the kernel has not completed. */
  writesPending = 0;
  /** Closed, or being closed: nothing more is read from or written to it. */
  closing = false;

  constructor(handle: TcpHandle, splice: RawSplice, isClient: boolean) {
    this.handle = handle as Tagged;
    this.splice = splice;
    this.isClient = isClient;
  }

  startReading(): void {
    if (this.reading || this.readEnded || this.closing) return;
    this.reading = true;
    const err = this.handle.readStart();
    // Already reading is the usual case for an upstream: connectRaw armed it (readFromConnect).
    if (err !== 0 && err !== rawTcp()!.UV_EALREADY) this.splice.fail(this, err);
  }

  stopReading(): void {
    if (!this.reading) return;
    this.reading = false;
    this.handle.readStop();
  }
}

// Module functions with `this` bound by the binding (the handle or the request), so a connection
// allocates no closures.
function onRead(this: Tagged): void {
  const end = this[kEnd];
  if (!end) return;
  const b = rawTcp()!;
  const n = b.state[b.kReadBytesOrError];
  if (n > 0) end.splice.forward(end, n);
  else if (n === b.UV_EOF) end.splice.eof(end);
  else if (n < 0) end.splice.fail(end, n);
}

// One request object kept per thread for the next write: most writes complete synchronously, and
// the binding attaches a request only to a write that goes asynchronous (or fails), so those are
// the only ones that cost a new object.
let spareWrite: (EndReq & WriteReq) | null = null;

function newWriteReq(): EndReq & WriteReq {
  const req = new (rawTcp()!.WriteWrap)() as EndReq & WriteReq;
  req.oncomplete = onWritten;
  req.async = false;
  req.buffer = null;
  req.bytes = 0;
  req.end = undefined;
  req.slab = null;
  return req;
}

function onWritten(this: EndReq, status: number): void {
  const end = this.end!;
  end.writesPending--;
  if (this.slab && status === 0) giveSlab(this.slab);
  this.end = undefined;
  this.slab = null;
  end.splice.written(end, status);
}

/** Arms a handle whose connect is in flight for reading, so that it reads into the thread's buffer
 *  from the moment the splice takes it (connectRaw calls it right after the connect).
 *  Why: libuv drops a handle's last interest when its connect completes (a POLLOUT watch), and a
 *  read started after that re-adds the fd to epoll — an EPOLL_CTL_ADD that fails with EEXIST and is
 *  retried as a MOD: one more io_uring_enter per connection (strace). Armed first, the connect and
 *  the read share one registration and the completion is a plain MOD, batched with the client's.
 *  Nothing can be read before the splice starts: libuv completes a connect in one poll callback and
 *  reads only in a later one, and the connection handler starts the splice, or closes the handle,
 *  inside the connect's callback (onRead also ignores a handle no splice has taken). Returns 0 or a
 *  negative libuv error. */
export function readFromConnect(handle: TcpHandle): number {
  const h = handle as Tagged;
  h[kEnd] = null;
  h.onread = onRead;
  h.useUserBuffer(threadReadBuffer());
  return h.readStart();
}

export class RawSplice extends SpliceCore {
  readonly client: RawEnd;
  readonly upstream: RawEnd;
  private finished = false;
  private readonly head: Buffer | null;

  constructor(client: TcpHandle, upstream: TcpHandle, opts: RawSpliceOptions) {
    super(opts);
    this.client = new RawEnd(client, this, true);
    this.upstream = new RawEnd(upstream, this, false);
    this.client.peer = this.upstream;
    this.upstream.peer = this.client;
    this.head = opts.head ?? null;
  }

  start(): void {
    const buf = threadReadBuffer();
    for (const e of [this.client, this.upstream]) {
      e.handle[kEnd] = e;
      if (e.handle.onread === onRead) continue; // armed by readFromConnect
      e.handle.onread = onRead;
      e.handle.useUserBuffer(buf);
    }
    if (this.idleTimeoutMs > 0) watchIdle(this);
    if (this.head) this.write(this.client, this.upstream, this.head, null);
    // A header write the kernel could not take at once holds the client back until it completes.
    if (this.upstream.writesPending === 0) this.client.startReading();
    this.upstream.startReading();
  }

  forward(from: RawEnd, n: number): void {
    const to = from.peer;
    if (from.isClient) this.bytesIn += n; else this.bytesOut += n;
    this.lastActive = idleClock();
    if (to.closing || to.finSent) return;
    const buf = threadReadBuffer();
    if (n < SLAB_MIN_BYTES) { this.write(from, to, copySmall(n, buf), null); return; }
    const slab = copyToSlab(n, buf);
    this.write(from, to, slab.subarray(0, n), slab);
  }

  private write(from: RawEnd, to: RawEnd, data: Buffer, slab: Buffer | null): void {
    const b = rawTcp()!;
    const req = spareWrite ?? newWriteReq();
    spareWrite = null;
    const err = to.handle.writeBuffer(req, data);
    if (err !== 0) { this.fail(to, err); return; }
    if (b.state[b.kLastWriteWasAsync] !== 0) {
      // The kernel did not take all of it: the binding now holds the request, and the bytes must
      // stay alive until it completes; stop reading the source until every write to this end has.
      req.async = true;
      req.buffer = data;
      req.end = to;
      req.slab = slab;
      to.writesPending++;
      from.stopReading();
    } else {
      // Written whole at once: the binding never attached the request, so the next write reuses it.
      spareWrite = req;
      if (slab) giveSlab(slab);
    }
  }

  written(to: RawEnd, status: number): void {
    if (to.closing) { this.maybeFinish(); return; }
    if (status < 0) { this.fail(to, status); return; }
    if (to.writesPending !== 0) return;
    if (to.finOwed) this.finTo(to);
    else to.peer.startReading();
  }

  eof(from: RawEnd): void {
    from.readEnded = true;
    from.reading = false;
    this.setEnd(from.isClient ? 'client-closed' : 'upstream-closed');
    const to = from.peer;
    if (to.closing) return;
    if (to.writesPending === 0) this.finTo(to);
    else to.finOwed = true;
  }

  /** The writes to `to` have drained and its peer sent EOF: `to` is owed a FIN. */
  private finTo(to: RawEnd): void {
    to.finOwed = false;
    if (to.readEnded && to.peer.writesPending === 0) {
      // Both directions done: close both, which sends the FINs still owed, instead of a
      // shutdown(2) first. Both ends were read to EOF, so the close cannot turn into a reset.
      this.closeBoth();
      return;
    }
    to.finSent = true;
    // No oncomplete: the binding then makes no call back into JavaScript when the shutdown is done.
    // Nothing waits for it: a failure shows up as a read error on the same end, and a close before
    // it completes cancels it, the close itself sending the FIN.
    const req = new (rawTcp()!.ShutdownWrap)() as ShutdownReq;
    req.handle = to.handle;
    const err = to.handle.shutdown(req);
    if (err !== 0) this.fail(to, err);
  }

  fail(at: RawEnd, status: number): void {
    if (at.closing) return;
    this.setEnd(at.isClient ? 'client-error' : 'upstream-error', rawErrorName(status));
    this.closeEnd(at, false);
    this.closeEnd(at.peer, true);
  }

  close(reason: SpliceEnd): void {
    this.setEnd(reason);
    this.closeBoth();
  }

  private closeBoth(): void {
    this.closeEnd(this.client, false);
    this.closeEnd(this.upstream, false);
  }

  private closeEnd(e: RawEnd, reset: boolean): void {
    if (e.closing) return;
    e.closing = true;
    e.reading = false;
    e.handle[kEnd] = null;
    // Without a callback: the binding then makes no call back into JavaScript once libuv has
    // closed the handle, and nothing here needs to know when. Writes still pending are cancelled
    // by the close and report back through their own callbacks (maybeFinish waits for those).
    // Never a reset once a FIN was sent to this end (the peer already saw a clean end): while that
    // shutdown is pending libuv refuses the reset and the handle never closes, close() included
    // (reset-socket.ts). That is libuv's only refusal, so the reset's result needs no check.
    if (!reset || e.finSent) e.handle.close();
    else e.handle.reset();
    this.maybeFinish();
  }

  maybeFinish(): void {
    if (this.finished || !this.client.closing || !this.upstream.closing) return;
    if (this.client.writesPending !== 0 || this.upstream.writesPending !== 0) return;
    this.finished = true;
    unwatchIdle(this);
    this.report();
  }
}

/** Starts copying at once between an accepted client handle and a connected upstream handle. */
export function rawSplice(client: TcpHandle, upstream: TcpHandle, opts: RawSpliceOptions): RawSplice {
  const sp = new RawSplice(client, upstream, opts);
  sp.start();
  return sp;
}
