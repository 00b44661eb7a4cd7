// Addresses for LoadBalancer Services that name no loadBalancerIP, taken from the server's
// LoadBalancer address pool. Main thread. An address already recorded in the Service's status is
// kept, so it survives restarts.
import { SyError } from '../model/sy-error.ts';
import { canonicalIP, cidrRange, formatIPValue, ipValue } from '../model/ip-address.ts';

/** Beside the default service CIDR (127.96.0.0/12), and bindable on Linux loopback likewise. */
export const DEFAULT_LB_POOL = '127.112.0.0/12';

export interface LbAddressPool {
  /** The address for `key`: `preferred` when it is free and in the pool, else the lowest free one. */
  acquire(key: string, preferred?: string): string | undefined;
  release(key: string): void;
}

/** The prefix lengths a pool may have: a /8 at most (16 M addresses), a /30 at least (two). */
const LARGEST_PREFIX = 8;
const SMALLEST_PREFIX = 30;

/** Throws SY_LB_POOL when `cidr` is not an IPv4 CIDR of a usable size. */
export function createLbAddressPool(cidr: string): LbAddressPool {
  const range = cidrRange(cidr);
  if (!range || range.family !== 4 || range.prefix < LARGEST_PREFIX || range.prefix > SMALLEST_PREFIX) {
    throw new SyError('SY_LB_POOL', `invalid LoadBalancer address pool "${cidr}": expected an IPv4 CIDR between /${LARGEST_PREFIX} and /${SMALLEST_PREFIX}, e.g. 127.112.0.0/12`);
  }
  const size = 1n << BigInt(32 - range.prefix);
  const first = range.network;
  const inPool = (ip: string): boolean => {
    const v = ipValue(ip);
    return v !== undefined && v.family === 4 && canonicalIP(ip) === ip && v.value >= first && v.value < first + size;
  };
  const byKey = new Map<string, string>();
  const used = new Set<string>();
  return {
    acquire(key, preferred) {
      const had = byKey.get(key);
      if (had) return had;
      let ip: string | undefined;
      if (preferred && inPool(preferred) && !used.has(preferred)) ip = preferred;
      // The network and broadcast addresses are never handed out.
      for (let i = 1n; !ip && i < size - 1n; i++) {
        const candidate = formatIPValue(4, first + i);
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
