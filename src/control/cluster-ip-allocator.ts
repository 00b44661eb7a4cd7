// ClusterIP allocation from the service CIDR (default 127.96.0.0/12). Main thread only; the registry
// is its only user and re-reserves every stored IP at startup, so the allocator holds no state of
// its own on disk.
//
// Choices (docs/architecture.md, Allocation):
// - Usable addresses exclude the network address and, for IPv4, the broadcast address, as
//   upstream does. The first usable address is NOT reserved: switchyard has no `kubernetes`
//   Service that upstream keeps there, so the first Service gets 127.96.0.1.
// - Automatic allocation is deterministic, lowest free address first: the same manifests applied
//   to an empty store yield the same IPs. A cursor remembers the lowest possibly-free offset, so
//   allocation is amortised O(1); a release below the cursor moves it back.
// - Error texts are the upstream allocator's (pkg/registry/core/service/ipallocator), reported on
//   `spec.clusterIPs[<i>]` with the IP as value, as the current apiserver does.
import type { FieldError } from '../model/field-errors.ts';
import { invalid } from '../model/field-errors.ts';
import { ApiError, badRequest } from '../model/api-error.ts';
import { cidrRange, formatIPValue, ipValue } from '../model/ip-address.ts';

export const DEFAULT_SERVICE_CIDR = '127.96.0.0/12';

export interface ClusterIpAllocator {
  readonly cidr: string;
  readonly family: 'IPv4' | 'IPv6';
  /** Reserves a requested IP; a field error (range or collision) when it cannot. */
  allocate(ip: string, field?: string): FieldError | undefined;
  /** The lowest free IP, reserved. Throws ApiError 500 SY_CLUSTER_IP_RANGE_FULL when none is left. */
  allocateNext(): string;
  release(ip: string): void;
  has(ip: string): boolean;
  contains(ip: string): boolean;
  /** Number of IPs still free. */
  free(): bigint;
}

/**
 * `reserved` addresses (the built-in kube-dns's) are never handed out automatically; a Service
 * that asks for one by name still gets it, as kube-dns itself does.
 */
export function createClusterIpAllocator(cidr: string = DEFAULT_SERVICE_CIDR, reserved: string[] = []): ClusterIpAllocator {
  const parsed = cidrRange(cidr);
  if (!parsed) {
    throw badRequest('SY_SERVICE_CIDR', `invalid service CIDR "${cidr}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`);
  }
  const { family, network, bits, prefix } = parsed;
  const total = 1n << BigInt(bits - prefix);
  // Offsets are relative to network + 1; IPv6 has no broadcast to skip.
  const size = family === 4 ? total - 2n : total - 1n;
  if (size < 1n) {
    throw badRequest('SY_SERVICE_CIDR', `service CIDR "${cidr}" is too small: it must leave at least one address besides the network${family === 4 ? ' and broadcast' : ''} address (use a prefix of /30 or shorter for IPv4)`);
  }
  const shown = `${formatIPValue(family, network)}/${prefix}`;
  const used = new Set<bigint>();
  let cursor = 0n;

  const offsetOf = (ip: string): bigint | undefined => {
    const p = ipValue(ip);
    if (!p || p.family !== family) return undefined;
    const off = p.value - network - 1n;
    return off >= 0n && off < size ? off : undefined;
  };

  const skip = new Set<bigint>();
  for (const ip of reserved) {
    const off = offsetOf(ip);
    if (off !== undefined) skip.add(off);
  }

  return {
    cidr: shown,
    family: family === 4 ? 'IPv4' : 'IPv6',
    allocate(ip, field = 'spec.clusterIPs[0]') {
      const off = offsetOf(ip);
      if (off === undefined) {
        return invalid(field, ip, `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${shown}`);
      }
      if (used.has(off)) return invalid(field, ip, `failed to allocate IP ${ip}: provided IP is already allocated`);
      used.add(off);
      return undefined;
    },
    allocateNext() {
      while (cursor < size && (used.has(cursor) || skip.has(cursor))) cursor++;
      if (cursor >= size) {
        throw new ApiError(500, 'InternalError', 'SY_CLUSTER_IP_RANGE_FULL',
          `Internal error occurred: failed to allocate a serviceIP: range is full (${shown} has no free address). Delete unused Services, or restart the server with a larger service CIDR.`);
      }
      used.add(cursor);
      return formatIPValue(family, network + 1n + cursor);
    },
    release(ip) {
      const off = offsetOf(ip);
      if (off === undefined || !used.delete(off)) return;
      if (off < cursor) cursor = off;
    },
    has(ip) {
      const off = offsetOf(ip);
      return off !== undefined && used.has(off);
    },
    contains(ip) {
      return offsetOf(ip) !== undefined;
    },
    free() {
      let held = BigInt(used.size);
      for (const off of skip) if (!used.has(off)) held++;
      return size - held;
    },
  };
}
