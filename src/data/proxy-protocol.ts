// PROXY protocol headers (haproxy doc/proxy-protocol.txt) that a data-plane worker writes to a
// backend before the client's first byte, so the backend learns the real client address.
// Pure; runs on worker threads.
import { isIPv4, isIPv6 } from 'node:net';
import { ipBytes } from '../model/ip-address.ts';

export interface ProxyAddresses {
  sourceAddress: string;
  sourcePort: number;
  destinationAddress: string;
  destinationPort: number;
}

/** The 12-byte v2 signature: \r\n\r\n\0\r\nQUIT\n. */
const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/**
 * An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; backends expect TCP4 for it.
 * Returns the family both ends share, or null when they differ or are not IP (→ UNKNOWN / LOCAL).
 */
function normalise(a: ProxyAddresses): { family: 4 | 6; src: string; dst: string } | null {
  const unmap = (ip: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip.split('%')[0]);
  const src = unmap(a.sourceAddress);
  const dst = unmap(a.destinationAddress);
  if (!validPort(a.sourcePort) || !validPort(a.destinationPort)) return null;
  if (isIPv4(src) && isIPv4(dst)) return { family: 4, src, dst };
  if (isIPv6(src) && isIPv6(dst)) return { family: 6, src, dst };
  return null;
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 65535;
}

/** v1 (text): `PROXY TCP4 src dst sport dport\r\n`, or `PROXY UNKNOWN\r\n` when the family is not known. */
export function encodeProxyV1(a: ProxyAddresses): Buffer {
  const n = normalise(a);
  if (!n) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY TCP${n.family} ${n.src} ${n.dst} ${a.sourcePort} ${a.destinationPort}\r\n`, 'latin1');
}

/** v2 (binary): PROXY command over TCP4/TCP6, or the LOCAL command with no address block when unknown. */
export function encodeProxyV2(a: ProxyAddresses): Buffer {
  const n = normalise(a);
  if (!n) {
    const local = Buffer.alloc(16);
    PROXY_V2_SIGNATURE.copy(local, 0);
    local[12] = 0x20; // version 2, command LOCAL
    local[13] = 0x00; // AF_UNSPEC, UNSPEC
    local.writeUInt16BE(0, 14);
    return local;
  }
  const addrLen = n.family === 4 ? 12 : 36;
  const out = Buffer.alloc(16 + addrLen);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = 0x21; // version 2, command PROXY
  out[13] = n.family === 4 ? 0x11 : 0x21; // AF_INET/AF_INET6 << 4 | STREAM
  out.writeUInt16BE(addrLen, 14);
  const ipLen = n.family === 4 ? 4 : 16;
  // normalise() checked both addresses, so ipBytes finds both.
  out.set(ipBytes(n.src, n.family)!, 16);
  out.set(ipBytes(n.dst, n.family)!, 16 + ipLen);
  out.writeUInt16BE(a.sourcePort, 16 + 2 * ipLen);
  out.writeUInt16BE(a.destinationPort, 18 + 2 * ipLen);
  return out;
}

export function encodeProxyHeader(version: 1 | 2, a: ProxyAddresses): Buffer {
  return version === 1 ? encodeProxyV1(a) : encodeProxyV2(a);
}
