// Node's TCP handle bindings (libuv streams without net.Socket around them), typed for the data
// plane's raw splice. `process.binding('tcp_wrap')` and `('stream_wrap')` are what net.js itself
// is built on; they are undocumented but stable across Node releases, and reachable without
// flags (process.binding keeps an allow-list that includes both). Node is pinned by the `node`
// devDependency; rawTcpAvailable() checks the shape once per thread, and the data plane keeps its
// net.Socket path for when it is false. Runs on whichever thread imports it (data-plane workers).

import { getSystemErrorName } from 'node:util';

export interface TcpHandle {
  readStart(): number;
  readStop(): number;
  useUserBuffer(buf: Uint8Array): void;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  close(cb?: () => void): void;
  reset(cb?: () => void): number;
  setNoDelay(on: boolean): number;
  getpeername(out: PeerName): number;
  getsockname(out: PeerName): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  onread: ((this: TcpHandle, arrayBuffer: ArrayBuffer | undefined) => void) | null;
  readonly writeQueueSize: number;
}

export interface PeerName { address?: string; port?: number; family?: string }

export interface WriteReq {
  handle: TcpHandle;
  oncomplete: (this: WriteReq, status: number) => void;
  buffer: Uint8Array | null;
  async: boolean;
  bytes: number;
}
export interface ShutdownReq { handle: TcpHandle; oncomplete?: (this: ShutdownReq, status: number) => void }
export interface ConnectReq {
  oncomplete: (this: ConnectReq, status: number, handle: TcpHandle, req: ConnectReq, readable: boolean, writable: boolean) => void;
  address: string;
  port: number;
}

interface Bindings {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => ShutdownReq;
  SOCKET: number;
  /** Int32Array shared with C++: after a read callback, its byte count (or a negative error);
   *  after writeBuffer, whether the write went asynchronous. */
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
  UV_EOF: number;
  /** readStart on a handle that is already reading. */
  UV_EALREADY: number;
}

let bindings: Bindings | null | undefined;

/** The code of a negative libuv status (ECONNREFUSED, …), as net's errors carry it. */
export function rawErrorName(status: number): string {
  try { return getSystemErrorName(status); } catch { return `E${-status}`; }
}

function load(): Bindings | null {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap') as { TCP?: Bindings['TCP']; TCPConnectWrap?: Bindings['TCPConnectWrap']; constants?: { SOCKET?: number } };
    const stream = binding('stream_wrap') as Record<string, unknown>;
    const uv = binding('uv') as { UV_EOF?: number; UV_EALREADY?: number };
    const ok = typeof tcp.TCP === 'function' && typeof tcp.TCPConnectWrap === 'function'
      && typeof stream.WriteWrap === 'function' && typeof stream.ShutdownWrap === 'function'
      && stream.streamBaseState instanceof Int32Array && typeof stream.kReadBytesOrError === 'number'
      && typeof stream.kLastWriteWasAsync === 'number' && typeof uv.UV_EOF === 'number' && typeof uv.UV_EALREADY === 'number'
      && typeof tcp.constants?.SOCKET === 'number'
      && ['readStart', 'readStop', 'useUserBuffer', 'writeBuffer', 'shutdown', 'close', 'reset', 'getpeername', 'connect']
        .every((m) => typeof (tcp.TCP!.prototype as unknown as Record<string, unknown>)[m] === 'function');
    if (!ok) return null;
    return {
      TCP: tcp.TCP!, TCPConnectWrap: tcp.TCPConnectWrap!,
      WriteWrap: stream.WriteWrap as Bindings['WriteWrap'], ShutdownWrap: stream.ShutdownWrap as Bindings['ShutdownWrap'],
      SOCKET: tcp.constants!.SOCKET!, state: stream.streamBaseState as Int32Array,
      kReadBytesOrError: stream.kReadBytesOrError as number, kLastWriteWasAsync: stream.kLastWriteWasAsync as number,
      UV_EOF: uv.UV_EOF!, UV_EALREADY: uv.UV_EALREADY!,
    };
  } catch {
    return null;
  }
}

/** The bindings, or null when this Node does not offer them in the expected shape. */
export function rawTcp(): Bindings | null {
  if (bindings === undefined) bindings = load();
  return bindings;
}
