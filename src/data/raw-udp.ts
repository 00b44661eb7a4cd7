// Node's UDP handle binding (libuv's uv_udp_t without dgram.Socket around it), typed for the data
// plane's UDP flows. `process.binding('udp_wrap')` is what dgram.js is built on, undocumented but
// stable and on process.binding's allow-list, like the TCP bindings in raw-tcp.ts. dgram.Socket's
// send builds a closure, runs an address lookup and allocates a SendWrap per datagram, and its
// 'message' event goes through EventEmitter; the binding's `send` tries the send at once
// (uv_udp_try_send) and needs its request object only when the kernel did not take the datagram.
// rawUdp() checks the binding's shape once per thread; without it UDP listeners fail to bind with
// SY_UDP_UNAVAILABLE (Node is pinned by the `node` devDependency). Runs on data-plane workers.

export interface UdpHandle {
  bind(address: string, port: number, flags: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(address: string, port: number): number;
  connect6(address: string, port: number): number;
  /** Unconnected: (req, list, count, port, address, hasCallback). Connected: (req, list, count, hasCallback).
   *  Returns 1 + bytes when the datagram went out at once, 0 when it was queued (req then owns the
   *  buffers until it completes), a negative libuv error otherwise. */
  send(req: SendReq, list: Uint8Array[], count: number, portOrHasCallback: number | boolean, address?: string, hasCallback?: boolean): number;
  send6(req: SendReq, list: Uint8Array[], count: number, port: number, address: string, hasCallback: boolean): number;
  recvStart(): number;
  recvStop(): number;
  getsockname(out: { address?: string; port?: number; family?: string }): number;
  /** SO_RCVBUF (recv true) / SO_SNDBUF: set when size > 0; returns the kernel's value (doubled by Linux). */
  bufferSize(size: number, recv: boolean, ctx: Record<string, unknown>): number | undefined;
  close(cb?: () => void): void;
  /** Called per datagram, and with a negative nread for an error (ECONNREFUSED on a connected socket). */
  onmessage: ((this: UdpHandle, nread: number, handle: UdpHandle, buf: Buffer | undefined, rinfo: RemoteInfo | undefined) => void) | null;
  /** Set by the data plane on upstream handles: the flow they carry. */
  owner?: unknown;
}

export interface RemoteInfo { address: string; port: number; family: string }
export interface SendReq { buffer?: Uint8Array | null }

interface Bindings {
  UDP: new () => UdpHandle;
  SendWrap: new () => SendReq;
  UV_UDP_REUSEPORT: number;
  UV_UDP_IPV6ONLY: number;
}

let bindings: Bindings | null | undefined;

function load(): Bindings | null {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const udp = binding('udp_wrap') as { UDP?: Bindings['UDP']; SendWrap?: Bindings['SendWrap']; constants?: Record<string, number> };
    const ok = typeof udp.UDP === 'function' && typeof udp.SendWrap === 'function'
      && typeof udp.constants?.UV_UDP_REUSEPORT === 'number' && typeof udp.constants?.UV_UDP_IPV6ONLY === 'number'
      && ['bind', 'bind6', 'connect', 'connect6', 'send', 'send6', 'recvStart', 'recvStop', 'getsockname', 'bufferSize', 'close']
        .every((m) => typeof (udp.UDP!.prototype as unknown as Record<string, unknown>)[m] === 'function');
    if (!ok) return null;
    return { UDP: udp.UDP!, SendWrap: udp.SendWrap!, UV_UDP_REUSEPORT: udp.constants!.UV_UDP_REUSEPORT, UV_UDP_IPV6ONLY: udp.constants!.UV_UDP_IPV6ONLY };
  } catch {
    return null;
  }
}

/** The binding, or null when this Node does not offer it in the expected shape. */
export function rawUdp(): Bindings | null {
  if (bindings === undefined) bindings = load();
  return bindings;
}
