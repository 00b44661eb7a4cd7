// An EndpointSlice of `addressType: FQDN` as the data plane and DNS see it: one IPv4 and/or one
// IPv6 slice in which every address a name resolved to is an endpoint of its own, carrying the
// name's conditions, hostname and ports (spec, deliberate difference 6: docker compose names
// resolve to one address per replica). These slices are computed, never stored or listed; the
// FQDN slice stays what its author wrote. Pure; main thread.
import { canonicalIP, compareIPs, ipFamilyOf } from './ip-address.ts';
import type { EndpointSlice, SliceEndpoint } from './types.ts';

export const LABEL_RESOLVED_FROM = 'switchyard.io/resolved-from';

/** Lower case, no trailing dot: the form names are resolved and cached under. */
export function fqdnKey(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** Every name an FQDN slice refers to (only addresses[0] counts, as for IP slices). */
export function fqdnNames(slice: EndpointSlice): string[] {
  if (slice.addressType !== 'FQDN') return [];
  const out = new Set<string>();
  for (const ep of slice.endpoints ?? []) if (ep.addresses?.[0]) out.add(fqdnKey(ep.addresses[0]));
  return [...out];
}

/**
 * The IP slices `slice` (FQDN) stands for, given what each name currently resolves to
 * (`addressesOf` returns undefined or [] for a name never resolved: it contributes nothing).
 */
export function resolveFqdnSlice(slice: EndpointSlice, addressesOf: (name: string) => readonly string[] | undefined): EndpointSlice[] {
  if (slice.addressType !== 'FQDN') return [slice];
  const byFamily = new Map<'IPv4' | 'IPv6', SliceEndpoint[]>();
  const seen = new Set<string>();
  for (const ep of slice.endpoints ?? []) {
    const name = ep.addresses?.[0];
    if (!name) continue;
    for (const address of addressesOf(fqdnKey(name)) ?? []) {
      const ip = canonicalIP(address);
      const family = ipFamilyOf(address);
      if (ip === undefined || family === undefined || seen.has(ip)) continue;
      seen.add(ip);
      const copy: SliceEndpoint = { ...structuredClone(ep), addresses: [ip] };
      let list = byFamily.get(family);
      if (!list) byFamily.set(family, list = []);
      list.push(copy);
    }
  }
  const name = slice.metadata.name ?? '';
  return [...byFamily].sort(([a], [b]) => (a < b ? -1 : 1)).map(([family, endpoints]) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      ...structuredClone(slice.metadata), name: `${name}-${family.toLowerCase()}`,
      labels: { ...slice.metadata.labels, [LABEL_RESOLVED_FROM]: name },
    },
    addressType: family,
    endpoints: endpoints.sort((x, y) => compareIPs(x.addresses[0], y.addresses[0])),
    ports: structuredClone(slice.ports ?? []),
  }));
}
