// IP addresses, the one place switchyard parses and prints them: Go's net.ParseIP semantics (IPv4
// may carry leading zeros, as netutils.ParseIPSloppy allows; no IPv6 zones; IPv4-mapped IPv6 counts
// as IPv4), Go's `net.IP.String()` text (RFC 5952), integers for the allocators' range arithmetic,
// network-order bytes for the data plane, `net.JoinHostPort`, and apimachinery's validation
// messages. Pure; any thread.
import type { FieldError } from './field-errors.ts';
import { invalid } from './field-errors.ts';

const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_ERROR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export interface ParsedIP {
  family: 4 | 6;
  /** 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) like Go's net.IP. */
  bytes: Uint8Array;
}

function parseV4Parts(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  if (s.includes('%')) return null;
  let text = s;
  let tail: number[] | null = null;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = parseV4Parts(last);
    if (!tail) return null;
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const maxWords = tail ? 6 : 8;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  let words: string[];
  if (halves.length === 1) {
    if (head.length !== maxWords) return null;
    words = head;
  } else {
    // `::` stands for at least one zero group.
    if (head.length + rest.length > maxWords - 1) return null;
    words = [...head, ...Array<string>(maxWords - head.length - rest.length).fill('0'), ...rest];
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  if (tail) bytes.set(tail, 12);
  return bytes;
}

const isMapped = (b: Uint8Array) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

export function parseIP(s: unknown): ParsedIP | null {
  if (typeof s !== 'string' || s.length === 0) return null;
  if (!s.includes(':')) {
    const v4 = parseV4Parts(s);
    if (!v4) return null;
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4, 12);
    return { family: 4, bytes };
  }
  const b = parseV6(s);
  if (!b) return null;
  return { family: isMapped(b) ? 4 : 6, bytes: b };
}

function parseCIDR(s: string): { ip: ParsedIP; bits: number } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > (ip.family === 4 ? 32 : 128)) return null;
  return { ip, bits };
}

/** apimachinery's IsValidIP: no messages when `s` is an IP. */
export function isValidIP(s: unknown): string[] {
  return parseIP(s) ? [] : [IP_ERROR];
}

/** apimachinery's IsValidCIDR: no messages when `s` is a CIDR. */
export function isValidCIDR(s: string): string[] {
  return parseCIDR(s) ? [] : [CIDR_ERROR];
}

export function ipFamily(s: string): 4 | 6 | undefined {
  return parseIP(s)?.family;
}

export function ipFamilyOf(s: string): 'IPv4' | 'IPv6' | undefined {
  const f = parseIP(s)?.family;
  return f === 4 ? 'IPv4' : f === 6 ? 'IPv6' : undefined;
}

/** `utilnet.IsIPv6String`: IPv4-mapped IPv6 counts as IPv4, as in Go. Not an IP → false. */
export function isIPv6String(s: string | undefined): boolean {
  return s !== undefined && parseIP(s)?.family === 6;
}

/** Go's `net.IP.String()` of 16 bytes: a dotted quad for IPv4, else RFC 5952 (lowercase, the
 *  longest run of two or more zero words — leftmost on ties — written `::`). */
function formatBytes(family: 4 | 6, b: Uint8Array): string {
  if (family === 4) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
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

/** The address as Go's `ParseIPSloppy(s).String()` prints it, or undefined when it is not an IP. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip ? formatBytes(ip.family, ip.bytes) : undefined;
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

/** Network-order bytes of an address already known to be of `family`: 4 bytes for IPv4, 16 for
 *  IPv6 (an IPv4-mapped address as IPv6 gives its 16 mapped bytes). Undefined when not an IP. */
export function ipBytes(ip: string, family: 4 | 6): Uint8Array | undefined {
  const parsed = parseIP(ip);
  if (!parsed) return undefined;
  return family === 4 ? parsed.bytes.subarray(12) : parsed.bytes;
}

/** An address as an integer (32 bits for IPv4, 128 for IPv6), for range arithmetic. */
export interface IPValue { family: 4 | 6; value: bigint }

/** A CIDR as integers: `network` is the address with its host bits cleared. */
export interface CIDRRange { family: 4 | 6; network: bigint; prefix: number; bits: 32 | 128 }

/** undefined when `s` is not an IP address. */
export function ipValue(s: string): IPValue | undefined {
  const parsed = parseIP(s);
  if (!parsed) return undefined;
  const bytes = parsed.family === 4 ? parsed.bytes.subarray(12) : parsed.bytes;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: parsed.family, value };
}

/** The canonical text of an integer address (as canonicalIP prints it). */
export function formatIPValue(family: 4 | 6, value: bigint): string {
  const bytes = new Uint8Array(16);
  for (let i = 15, v = value; i >= (family === 4 ? 12 : 0); i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return formatBytes(family, bytes);
}

/** undefined when `s` is not `<ip>/<prefix>`. */
export function cidrRange(s: string): CIDRRange | undefined {
  const parsed = parseCIDR(s);
  if (!parsed) return undefined;
  const ip = ipValue(s.slice(0, s.indexOf('/')))!;
  const bits = ip.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - parsed.bits);
  return { family: ip.family, network: (ip.value >> hostBits) << hostBits, prefix: parsed.bits, bits };
}

/**
 * ValidateNonSpecialIP (endpoint IPs, Pod IPs, externalIPs) minus the loopback rule: switchyard is
 * one machine and its backends often listen on 127.0.0.1 (spec, deliberate difference 2).
 * Unspecified and link-local addresses stay invalid — nothing can be reached through them.
 */
export function validateNonSpecialIP(s: string, path: string): FieldError[] {
  const ip = parseIP(s);
  if (!ip) return [invalid(path, s, 'must be a valid IP address')];
  const b = ip.bytes;
  const errs: FieldError[] = [];
  const v4 = ip.family === 4;
  const unspecified = v4 ? b.slice(12).every((x) => x === 0) : b.every((x) => x === 0);
  if (unspecified) errs.push(invalid(path, s, `may not be unspecified (${s})`));
  const linkLocal = v4 ? b[12] === 169 && b[13] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
  if (linkLocal) errs.push(invalid(path, s, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  const llMulticast = v4 ? b[12] === 224 && b[13] === 0 && b[14] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02;
  if (llMulticast) errs.push(invalid(path, s, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** Two listening addresses (canonical text) on one port that accept the same connections: equal, or
 *  one a wildcard covering the other (`::` is dual-stack in Node, so it covers v4 addresses too). */
export function addressesOverlap(a: string, b: string): boolean {
  if (a === b || a === '::' || b === '::') return true;
  if (a === '0.0.0.0') return parseIP(b)?.family === 4;
  if (b === '0.0.0.0') return parseIP(a)?.family === 4;
  return false;
}

/** A socket bound on `inner` (canonical text) takes connections or datagrams that a listener on
 *  `outer` on the same port would otherwise get: the same address, or one that `outer`, a wildcard,
 *  covers. The kernel looks up the exact destination address before the wildcard, so a wildcard
 *  socket takes nothing from a listener on a specific address; `::` (dual-stack) covers v4 too. */
export function addressCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '::') return true;
  return outer === '0.0.0.0' && parseIP(inner)?.family === 4;
}
