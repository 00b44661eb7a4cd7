// A UDP listening socket on a data-plane worker: a raw UDP handle bound to a Service address (with
// SO_REUSEPORT when every worker binds the address, udp-plane.ts says when), its receive buffer
// enlarged, and the one socket its flows' replies leave from, so a client hears back from the
// address it sent to. Worker thread only.
import type { ListenerSpec } from '../shared/messages.ts';
import { createCidrMatcher } from './cidr-matcher.ts';
import { rawErrorName } from './raw-tcp.ts';
import { SyError } from '../model/sy-error.ts';
import { rawUdp, type SendReq, type UdpHandle } from './raw-udp.ts';

export class UdpListener {
  /** Small id of this listener on its worker: part of every flow key (udp-flow-table.ts). */
  readonly num: number;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly servicePortIndex: number;
  /** loadBalancerSourceRanges on a loadBalancer listener, checked once per new flow. */
  readonly allowSource: ((ip: string) => boolean) | null;
  readonly handle: UdpHandle;
  private readonly v6: boolean;
  /** Live flows that reply through this socket. */
  flows = 0;
  closed = false;

  private constructor(num: number, spec: ListenerSpec, handle: UdpHandle) {
    this.num = num;
    this.id = spec.id;
    this.address = spec.address;
    this.port = spec.port;
    this.servicePortIndex = spec.servicePortIndex;
    this.allowSource = spec.role === 'loadBalancer' && spec.sourceRanges.length > 0 ? createCidrMatcher(spec.sourceRanges) : null;
    this.handle = handle;
    this.v6 = spec.address.includes(':');
  }

  /** Binds `spec` (its port already concrete). The handle's onmessage is the caller's to set before
   *  recvStart. Throws a SyError: SY_LISTEN_FAILED with the errno name (EADDRINUSE, …) as its
   *  systemCode, or SY_UDP_UNAVAILABLE. */
  static bind(num: number, spec: ListenerSpec, o: { reusePort: boolean; recvBufferBytes: number }): UdpListener {
    const b = rawUdp();
    if (!b) throw new SyError('SY_UDP_UNAVAILABLE', 'this Node does not offer the UDP binding (process.binding(\'udp_wrap\')); UDP Services cannot be served: run the Node the project pins (npm ci)');
    const handle = new b.UDP();
    const v6 = spec.address.includes(':');
    const flags = o.reusePort ? b.UV_UDP_REUSEPORT : 0;
    const err = v6 ? handle.bind6(spec.address, spec.port, flags) : handle.bind(spec.address, spec.port, flags);
    if (err) {
      handle.close();
      throw new SyError('SY_LISTEN_FAILED', `bind ${rawErrorName(err)} ${spec.address}:${spec.port}`, { systemCode: rawErrorName(err) });
    }
    // Under load, a full receive buffer is where datagrams are lost: the default (~208 KiB) holds a
    // few milliseconds of queries. The kernel caps the request at net.core.rmem_max; a failure
    // leaves the default, which still works.
    if (o.recvBufferBytes > 0) handle.bufferSize(o.recvBufferBytes, true, {});
    return new UdpListener(num, spec, handle);
  }

  /** Sends one reply datagram to a client; returns the binding's result (see UdpHandle.send). */
  reply(req: SendReq, list: Uint8Array[], port: number, address: string): number {
    return this.v6 ? this.handle.send6(req, list, 1, port, address, false) : this.handle.send(req, list, 1, port, address, false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.recvStop();
    this.handle.close();
  }
}
