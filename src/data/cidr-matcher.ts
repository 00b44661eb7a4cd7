// loadBalancerSourceRanges: which client addresses a listener accepts. Built once per listener,
// called on every accepted connection (worker threads, or the main thread's acceptor), so the
// check is a few byte comparisons over pre-parsed ranges. Pure.
import { parseIP } from '../model/ip-address.ts';
import { SyError } from '../model/sy-error.ts';

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

class CidrError extends SyError {
  constructor(message: string) {
    super('SY_INVALID_CIDR', message);
    this.name = 'CidrError';
  }
}

const withoutZone = (ip: string): string => { const at = ip.indexOf('%'); return at < 0 ? ip : ip.slice(0, at); };

function parseCidr(cidr: string): Range {
  const [addr, bits, extra] = cidr.trim().split('/');
  // IPv4 addresses and ranges live in the IPv4-mapped block ::ffff:0:0/96 (parseIP's 16 bytes), so
  // an IPv4 client that arrives on a dual-stack socket as ::ffff:1.2.3.4 matches an IPv4 range
  // without a special case.
  const ip = parseIP(withoutZone(addr));
  // The prefix counts bits of the address as written: ::ffff:10.0.0.0/104 is an IPv6 range.
  const family = addr.includes(':') ? 6 : 4;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  const bytes = ip?.bytes;
  if (!bytes || extra !== undefined || !/^\d*$/.test(bits ?? '') || bits === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new CidrError(`invalid CIDR "${cidr}": use an address with an optional prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32`);
  }
  return { bytes, prefix: family === 4 ? prefix + 96 : prefix };
}

function inRange(ip: Uint8Array, r: Range): boolean {
  const whole = r.prefix >> 3;
  for (let i = 0; i < whole; i++) if (ip[i] !== r.bytes[i]) return false;
  const rem = r.prefix & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (ip[whole] & mask) === (r.bytes[whole] & mask);
}

/** A predicate over client IPs; an empty list allows everyone. Throws CidrError on a malformed CIDR. */
export function createCidrMatcher(cidrs: string[]): (ip: string) => boolean {
  if (cidrs.length === 0) return () => true;
  const ranges = cidrs.map(parseCidr);
  return (ip: string) => {
    const bytes = parseIP(withoutZone(ip))?.bytes;
    if (!bytes) return false;
    for (const r of ranges) if (inRange(bytes, r)) return true;
    return false;
  };
}
