// Bidirectional byte copy between a client socket and its upstream, on a data-plane worker thread,
// over net.Socket: the path for sockets transferred from the main thread and for a Node without the
// raw TCP bindings. Reuseport listeners use raw-splice.ts, the same contract on raw handles.
// Built for few allocations per chunk and per connection (see bench/README.md, "Where the time goes"):
// - Both sockets read with `onread`: the upstream opened by connectUpstream(), the client built by
//   acceptedSocket() from a listener's raw connection handle (take-accepted-handles.ts). The kernel
//   reads into one buffer shared by every socket of the thread and the callback copies the bytes
//   out (into Node's 8 KiB pool for small chunks, into recycled slabs for large ones), instead of
//   Node allocating a 64 KiB buffer per read and pushing it through the Readable machinery. The
//   copy is needed because a write the kernel does not take at once keeps pointing at the memory
//   it was given. The shared buffer is large (512 KiB): bulk transfers then need a fraction of the
//   reads and writes that 64 KiB would. Sharing is safe because a read callback runs to completion
//   (copying its bytes out) before libuv reads from any other socket of the thread.
// - A client socket made by Node itself (transferred from the main thread, or accepted where the
//   raw handle could not be taken) gets a plain 'data' listener instead.
// - Backpressure: a write() that returns false stops reading from the other side (onread returns
//   false, or pause()); that side's 'drain' resumes it.
// - Listeners are module functions that find their splice through a symbol on the socket, so a
//   connection allocates one object instead of a dozen closures.
// - Idle time is checked by one sweep timer per thread instead of a timer per connection.
// Both sockets must allow half-open so that a FIN travels one way while the other direction flows.
import { connect, Socket } from 'node:net';
import { resetSocket } from './reset-socket.ts';
import { copySmall, copyToSlab, giveSlab, idleClock, SLAB_MIN_BYTES, threadReadBuffer, unwatchIdle, watchIdle } from './splice-buffers.ts';
import { SpliceCore } from './splice-core.ts';
import type { Splice, SpliceEnd, SpliceOptions } from './splice-types.ts';

const kSplice = Symbol('switchyard.splice');
type Tagged = Socket & { [kSplice]?: SpliceState | null };

// One options object for every socket of the thread, so creating a socket allocates nothing for it.
let onreadOptions: { buffer: Buffer; callback: (this: Tagged, n: number, buf: Uint8Array) => boolean } | null = null;
function threadOnread() {
  return (onreadOptions ??= { buffer: threadReadBuffer(), callback: onSocketRead });
}

/** net.connect for an upstream whose bytes go through the thread's shared read buffer (noDelay). */
export function connectUpstream(host: string, port: number): Socket {
  const s = connect({ host, port, allowHalfOpen: true, noDelay: true, onread: threadOnread() }) as Tagged;
  s[kSplice] = null;
  return s;
}

/** A net.Socket over an accepted connection's raw handle, reading through the thread's shared
 *  buffer; paused (no read until splice() resumes it), half-open allowed, noDelay already set by
 *  the caller on the handle. */
export function acceptedSocket(handle: object): Socket {
  const s = new Socket({
    handle, allowHalfOpen: true, pauseOnCreate: true, readable: true, writable: true, noDelay: true, onread: threadOnread(),
  } as ConstructorParameters<typeof Socket>[0]) as Tagged;
  s[kSplice] = null;
  return s;
}

// Called with `this` = the socket that read (net calls the callback as a method of the socket).
function onSocketRead(this: Tagged, n: number, buf: Uint8Array): boolean {
  const sp = this[kSplice];
  // Bytes before splice() attached cannot be delivered anywhere; both kinds of socket start paused
  // (a connecting upstream reads nothing before 'connect', an accepted one until resume()), so
  // this only guards a misuse.
  if (!sp) return false;
  return this === sp.client ? sp.fromClient(n, buf) : sp.fromUpstream(n, buf);
}

function onClientData(this: Tagged, chunk: Buffer): void { this[kSplice]?.clientChunk(chunk); }
function onUpstreamData(this: Tagged, chunk: Buffer): void { this[kSplice]?.upstreamChunk(chunk); }
function onClientDrain(this: Tagged): void { this[kSplice]?.upstream.resume(); }
function onUpstreamDrain(this: Tagged): void { this[kSplice]?.client.resume(); }
function onClientEnd(this: Tagged): void { this[kSplice]?.clientEnd(); }
function onUpstreamEnd(this: Tagged): void { this[kSplice]?.upstreamEnd(); }
function onClientError(this: Tagged, err: Error): void { this[kSplice]?.clientError(err); }
function onUpstreamError(this: Tagged, err: Error): void { this[kSplice]?.upstreamError(err); }
function onClientClose(this: Tagged): void { this[kSplice]?.clientClose(); }
function onUpstreamClose(this: Tagged): void { this[kSplice]?.upstreamClose(); }

const errorCode = (err: Error): string => (err as NodeJS.ErrnoException).code ?? err.message;

function finOrClose(s: Socket, readEnded: boolean): void {
  if (readEnded && s.writableLength === 0) s.destroy();
  else s.end();
}

/** One direction's slabs handed to write() and not yet confirmed, oldest first. */
class SlabQueue {
  readonly slabs: Buffer[] = [];
  // Write callbacks come in write order, so the oldest slab is the one written. After an error
  // (the socket was destroyed, so nothing reads the slab any more) it is left to the GC rather
  // than reused, in case callbacks of a destroyed stream arrive out of order.
  readonly written = (err?: Error | null): void => {
    const slab = this.slabs.shift()!;
    if (!err) giveSlab(slab);
  };
}

class SpliceState extends SpliceCore {
  readonly client: Tagged;
  readonly upstream: Tagged;
  private clientClosed = false;
  private upstreamClosed = false;
  private clientReadEnded = false;
  private upstreamReadEnded = false;
  private finished = false;
  /** Slabs written to the upstream / to the client and not yet confirmed (made at the first large read). */
  private slabsIn: SlabQueue | null = null;
  private slabsOut: SlabQueue | null = null;

  constructor(client: Socket, upstream: Socket, opts: SpliceOptions) {
    super(opts);
    this.client = client as Tagged;
    this.upstream = upstream as Tagged;
  }

  start(): void {
    const { client, upstream } = this;
    // A socket made by connectUpstream()/acceptedSocket() carries the tag and reads through onread.
    const clientOnread = kSplice in client;
    const upstreamOnread = kSplice in upstream;
    client[kSplice] = this;
    upstream[kSplice] = this;
    if (!clientOnread) client.on('data', onClientData);
    if (!upstreamOnread) upstream.on('data', onUpstreamData);
    upstream.on('drain', onUpstreamDrain);
    client.on('drain', onClientDrain);
    client.on('end', onClientEnd);
    upstream.on('end', onUpstreamEnd);
    client.on('error', onClientError);
    upstream.on('error', onUpstreamError);
    client.on('close', onClientClose);
    upstream.on('close', onUpstreamClose);
    if (this.idleTimeoutMs > 0) watchIdle(this);
    // Sockets that closed before the listeners were attached.
    if (client.destroyed && client.closed) this.clientClosed = true;
    if (upstream.destroyed && upstream.closed) this.upstreamClosed = true;
    client.resume();
    upstream.resume();
    this.finish();
  }

  // Returning false from a read callback stops reading that socket; the other socket's 'drain'
  // resumes it.
  fromClient(n: number, buf: Uint8Array): boolean {
    this.bytesIn += n;
    return this.forward(this.upstream, n, buf, true);
  }

  fromUpstream(n: number, buf: Uint8Array): boolean {
    this.bytesOut += n;
    return this.forward(this.client, n, buf, false);
  }

  private forward(to: Socket, n: number, buf: Uint8Array, toUpstream: boolean): boolean {
    this.lastActive = idleClock();
    if (n < SLAB_MIN_BYTES) return to.write(copySmall(n, buf));
    const q = toUpstream ? (this.slabsIn ??= new SlabQueue()) : (this.slabsOut ??= new SlabQueue());
    const slab = copyToSlab(n, buf);
    q.slabs.push(slab);
    return to.write(slab.subarray(0, n), q.written);
  }

  clientChunk(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.lastActive = idleClock();
    if (!this.upstream.write(chunk)) this.client.pause();
  }

  upstreamChunk(chunk: Buffer): void {
    this.bytesOut += chunk.length;
    this.lastActive = idleClock();
    if (!this.client.write(chunk)) this.upstream.pause();
  }

  // Half-close: a FIN from one side becomes a FIN to the other; the reverse direction keeps going.
  // When the other side has already sent its FIN and everything written to it has gone, closing
  // it sends the same FIN and saves a shutdown(2) and the stream's finish machinery.
  clientEnd(): void {
    this.clientReadEnded = true;
    this.setEnd('client-closed');
    finOrClose(this.upstream, this.upstreamReadEnded);
  }
  upstreamEnd(): void {
    this.upstreamReadEnded = true;
    this.setEnd('upstream-closed');
    finOrClose(this.client, this.clientReadEnded);
  }

  // A reset on one side is passed on as a reset, so the peer does not mistake it for a clean end;
  // a side already half-closed by a FIN is closed instead (resetSocket says why).
  clientError(err: Error): void {
    this.setEnd('client-error', errorCode(err));
    resetSocket(this.upstream);
  }
  upstreamError(err: Error): void {
    this.setEnd('upstream-error', errorCode(err));
    resetSocket(this.client);
  }

  // A side that closed before its peer's FIN reached it can never receive the rest: stop the peer.
  clientClose(): void {
    this.clientClosed = true;
    if (!this.upstream.destroyed && !this.upstreamReadEnded) this.upstream.destroy();
    this.finish();
  }
  upstreamClose(): void {
    this.upstreamClosed = true;
    if (!this.client.destroyed && !this.clientReadEnded) this.client.destroy();
    this.finish();
  }

  close(reason: SpliceEnd): void {
    this.setEnd(reason);
    if (!this.client.destroyed) this.client.destroy();
    if (!this.upstream.destroyed) this.upstream.destroy();
  }

  private finish(): void {
    if (this.finished || !this.clientClosed || !this.upstreamClosed) return;
    this.finished = true;
    unwatchIdle(this);
    this.client[kSplice] = null;
    this.upstream[kSplice] = null;
    this.report();
  }
}

/** Starts copying at once; resumes `client` if it was paused (bytes held during connect flow now). */
export function splice(client: Socket, upstream: Socket, opts: SpliceOptions): Splice {
  const sp = new SpliceState(client, upstream, opts);
  sp.start();
  return sp;
}
