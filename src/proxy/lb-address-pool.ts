// Addresses for LoadBalancer Services that name no loadBalancerIP: taken from --lb-pool
// (default 127.112.0.0/12, beside the service CIDR, bindable on Linux loopback without set-up).
// Main thread. An address already recorded in the Service's status is kept, so it survives restarts.
import { BlockList, isIPv4 } from 'node:net';

export interface LbAddressPool {
  /** The address for `key`: `preferred` when it is free and in the pool, else the lowest free one. */
  acquire(key: string, preferred?: string): string | undefined;
  release(key: string): void;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function createLbAddressPool(cidr: string): LbAddressPool {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!isIPv4(base) || !(bits >= 8 && bits <= 30)) {
    throw Object.assign(new Error(`--lb-pool ${cidr}: expected an IPv4 CIDR between /8 and /30, e.g. 127.112.0.0/12`), { code: 'SY_BAD_FLAG' });
  }
  const size = 2 ** (32 - bits);
  const first = (ipv4ToInt(base) & ~(size - 1)) >>> 0;
  const range = new BlockList();
  range.addSubnet(intToIpv4(first), bits, 'ipv4');
  const byKey = new Map<string, string>();
  const used = new Set<string>();
  return {
    acquire(key, preferred) {
      const had = byKey.get(key);
      if (had) return had;
      let ip: string | undefined;
      if (preferred && isIPv4(preferred) && range.check(preferred, 'ipv4') && !used.has(preferred)) ip = preferred;
      for (let i = 1; !ip && i < size - 1; i++) {
        const candidate = intToIpv4(first + i);
        if (!used.has(candidate)) ip = candidate;
      }
      if (!ip) return undefined;
      byKey.set(key, ip);
      used.add(ip);
      return ip;
    },
    release(key) {
      const ip = byKey.get(key);
      if (ip) { used.delete(ip); byKey.delete(key); }
    },
  };
}
