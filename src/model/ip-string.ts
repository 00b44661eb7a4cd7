// IP helpers the endpoint controllers need: Go's `net.IP.String()` canonical form, the address
// family test of `utilnet.IsIPv6String`, and `net.JoinHostPort`. Pure; any thread.
import { parseIP } from './ip-formats.ts';

/** The address as Go's `ParseIPSloppy(s).String()` prints it, or undefined when it is not an IP. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  if (!ip) return undefined;
  const b = ip.bytes;
  if (ip.family === 4) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  // RFC 5952 as Go does it: the longest run (leftmost on ties) of two or more zero words becomes `::`.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

/** IPv4-mapped IPv6 counts as IPv4, as in Go. Not an IP → false. */
export function isIPv6String(s: string | undefined): boolean {
  return s !== undefined && parseIP(s)?.family === 6;
}

export function ipFamilyOf(s: string): 'IPv4' | 'IPv6' | undefined {
  const f = parseIP(s)?.family;
  return f === 4 ? 'IPv4' : f === 6 ? 'IPv6' : undefined;
}

/** Numeric order (IPv4 before IPv6); strings that are not IPs sort last, by text. */
export function compareIPs(a: string, b: string): number {
  const pa = parseIP(a);
  const pb = parseIP(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < 16; i++) if (pa.bytes[i] !== pb.bytes[i]) return pa.bytes[i] - pb.bytes[i];
  return 0;
}

/** `host:port`, with IPv6 hosts in brackets (Go `net.JoinHostPort`). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Two listening addresses (canonical text) on one port that accept the same connections: equal, or
 *  one a wildcard covering the other (`::` is dual-stack in Node, so it covers v4 addresses too). */
export function addressesOverlap(a: string, b: string): boolean {
  if (a === b || a === '::' || b === '::') return true;
  if (a === '0.0.0.0') return parseIP(b)?.family === 4;
  if (b === '0.0.0.0') return parseIP(a)?.family === 4;
  return false;
}
