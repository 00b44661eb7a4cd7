// The UDP handle under a bound dgram socket, for the DNS responder's per-datagram path. dgram's
// own path runs, for every datagram, an EventEmitter emit on receipt and, on send, argument
// normalisation, an address lookup that completes on process.nextTick and a closure; with the
// handle's `onmessage` and a direct `send` (what dgram.js itself calls: `process.binding('udp_wrap')`,
// on the allow-list, undocumented but what dgram has been built on for a decade) a datagram costs
// one call in and one call out. Node is pinned by the `node` devDependency; when the shape is not
// there (another Node), rawUdp() returns undefined and the responder keeps dgram's path.
// Main thread (the responder's sockets).
import type { Socket } from 'node:dgram';

export interface RawUdpHandle {
  onmessage: ((nread: number, handle: RawUdpHandle, buf: Buffer, rinfo: { address: string; port: number }) => void) | null;
  send(req: object, list: Buffer[], count: number, port: number, address: string, hasCallback: boolean): number;
}

interface UdpWrap { SendWrap: new () => { list?: Buffer[] } }

let sendWrap: UdpWrap['SendWrap'] | null | undefined;

/** The handle of a bound `sock`, or undefined when this Node does not have the expected shape. */
export function rawUdp(sock: Socket): RawUdpHandle | undefined {
  if (sendWrap === undefined) {
    try {
      const b = (process as unknown as { binding(name: string): UdpWrap }).binding('udp_wrap');
      sendWrap = typeof b?.SendWrap === 'function' ? b.SendWrap : null;
    } catch {
      sendWrap = null;
    }
  }
  if (!sendWrap) return undefined;
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const handle = state && (sock as unknown as Record<symbol, { handle?: RawUdpHandle }>)[state]?.handle;
  if (!handle || typeof handle.send !== 'function' || !('onmessage' in handle)) return undefined;
  return handle;
}

/**
 * Sends `buf` to `address:port` on `handle`. A send the kernel did not take at once stays queued in
 * libuv with its SendWrap keeping the buffer alive; errors (the client's port gone) are dropped,
 * as UDP drops them.
 */
export function rawSend(handle: RawUdpHandle, buf: Buffer, port: number, address: string): void {
  const req = new sendWrap!();
  const list = [buf];
  req.list = list;
  handle.send(req, list, 1, port, address, false);
}
