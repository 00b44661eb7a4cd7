// IP and CIDR parsing with Go's net.ParseIP semantics (IPv4 may carry leading zeros, as
// netutils.ParseIPSloppy allows; no IPv6 zones; IPv4-mapped IPv6 counts as IPv4), and the
// apimachinery messages for invalid values. Pure; any thread.
import type { FieldError } from './field-errors.ts';
import { invalid } from './field-errors.ts';

export const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_ERROR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

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

export function isValidIP(s: unknown): string[] {
  return parseIP(s) ? [] : [IP_ERROR];
}

export function ipFamily(s: string): 4 | 6 | undefined {
  return parseIP(s)?.family;
}

export function parseCIDR(s: string): { ip: ParsedIP; bits: number } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > (ip.family === 4 ? 32 : 128)) return null;
  return { ip, bits };
}

export function isValidCIDR(s: string): string[] {
  return parseCIDR(s) ? [] : [CIDR_ERROR];
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
