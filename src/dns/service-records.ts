// The DNS records of one Service under the Kubernetes DNS-Based Service Discovery schema 1.1.0
// (spec §5): A/AAAA and SRV for ClusterIP Services, one A/AAAA per ready endpoint plus per-endpoint
// `<hostname>.<svc>` names, SRV and PTR for headless ones, CNAME for ExternalName; and the zone's
// own records (dns-version TXT, SOA, NS). Pure; main thread, whenever a Service changes.
import { isServiceIPSet } from '../model/is-service-ip-set.ts';
import { canonicalIP, parseIP } from '../model/ip-address.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { linkedSlices } from '../model/service-port-endpoints.ts';
import type { EndpointSlice, Service } from '../model/types.ts';

export type DnsRecord =
  | { name: string; type: 'A' | 'AAAA'; data: string }
  | { name: string; type: 'CNAME' | 'PTR' | 'NS'; data: string }
  | { name: string; type: 'TXT'; data: string }
  | { name: string; type: 'SRV'; data: { priority: number; weight: number; port: number; target: string } }
  | { name: string; type: 'SOA'; data: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } };

export const SCHEMA_VERSION = '1.1.0';

/** `d.c.b.a.in-addr.arpa` or the nibble-reversed `ip6.arpa` name of an address; undefined if not an IP. */
export function reverseName(ip: string): string | undefined {
  const p = parseIP(ip);
  if (!p) return undefined;
  if (p.family === 4) return `${p.bytes[15]}.${p.bytes[14]}.${p.bytes[13]}.${p.bytes[12]}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((p.bytes[i] & 0xf).toString(16), (p.bytes[i] >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** The name a headless endpoint without a hostname gets: its address with dashes (CoreDNS's form). */
export function dashedName(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

const addressRecord = (name: string, ip: string): DnsRecord =>
  ({ name, type: parseIP(ip)?.family === 6 ? 'AAAA' : 'A', data: ip });

interface ReadyEndpoint { ip: string; hostname: string; ports: Map<string, number> }

/** Ready endpoints of a headless Service, one per (address, hostname), with their named ports. */
function readyEndpoints(svc: Service, slices: EndpointSlice[]): ReadyEndpoint[] {
  const named = new Set((svc.spec.ports ?? []).filter((p) => p.name).map((p) => `${p.name}/${p.protocol ?? 'TCP'}`));
  const all = !!svc.spec.publishNotReadyAddresses;
  const out = new Map<string, ReadyEndpoint>();
  for (const slice of linkedSlices(svc, slices)) {
    for (const ep of slice.endpoints ?? []) {
      if (!all && ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0] === undefined ? undefined : canonicalIP(ep.addresses[0]);
      if (ip === undefined) continue;
      const hostname = (ep.hostname ?? dashedName(ip)).toLowerCase();
      const key = `${ip}|${hostname}`;
      let r = out.get(key);
      if (!r) out.set(key, r = { ip, hostname, ports: new Map() });
      for (const sp of slice.ports ?? []) {
        const id = `${sp.name ?? ''}/${sp.protocol ?? 'TCP'}`;
        if (sp.port && named.has(id)) r.ports.set(id, sp.port);
      }
    }
  }
  return [...out.values()];
}

/**
 * Every record `svc` owns in `zone` (lower case, no trailing dots). `slices` are the Service's own
 * (generated, mirrored, applied, FQDN names already resolved); only ready endpoints are published.
 */
export function serviceRecords(svc: Service, slices: EndpointSlice[], zone: string): DnsRecord[] {
  const fqdn = `${svc.metadata.name}.${namespaceOf(svc.metadata)}.svc.${zone}`.toLowerCase();
  const out: DnsRecord[] = [];
  if (svc.spec.type === 'ExternalName') {
    const target = (svc.spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
    if (target) out.push({ name: fqdn, type: 'CNAME', data: target });
    return out;
  }
  const srvName = (name: string, protocol: string | undefined) => `_${name}._${(protocol ?? 'TCP').toLowerCase()}.${fqdn}`;
  if (isServiceIPSet(svc)) {
    for (const ip of svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec.clusterIP!]) {
      const canonical = canonicalIP(ip);
      if (canonical === undefined) continue;
      out.push(addressRecord(fqdn, canonical));
      out.push({ name: reverseName(canonical)!, type: 'PTR', data: fqdn });
    }
    for (const p of svc.spec.ports ?? []) {
      if (p.name) out.push({ name: srvName(p.name, p.protocol), type: 'SRV', data: { priority: 0, weight: 100, port: p.port, target: fqdn } });
    }
    return out;
  }
  // Headless: nothing at all when no endpoint is ready, so that the name is NXDOMAIN (spec §5).
  const ready = readyEndpoints(svc, slices);
  const srvCount = new Map<string, number>();
  for (const ep of ready) for (const id of ep.ports.keys()) srvCount.set(id, (srvCount.get(id) ?? 0) + 1);
  for (const ep of ready) {
    const host = `${ep.hostname}.${fqdn}`;
    out.push(addressRecord(fqdn, ep.ip), addressRecord(host, ep.ip));
    out.push({ name: reverseName(ep.ip)!, type: 'PTR', data: host });
    for (const [id, port] of ep.ports) {
      const slash = id.lastIndexOf('/');
      // Equal weights that add up to about 100, as CoreDNS gives them (RFC 2782 §"Weight").
      const weight = Math.max(1, Math.floor(100 / srvCount.get(id)!));
      out.push({ name: srvName(id.slice(0, slash), id.slice(slash + 1)), type: 'SRV', data: { priority: 0, weight, port, target: host } });
    }
  }
  return out;
}

/** The zone's own records: schema version, SOA and NS at the apex, and the name server's addresses. */
export function zoneRecords(zone: string, nameServerIPs: string[], ttl: number, serial: number): DnsRecord[] {
  const ns = `ns.dns.${zone}`;
  return [
    { name: `dns-version.${zone}`, type: 'TXT', data: SCHEMA_VERSION },
    {
      name: zone, type: 'SOA',
      // refresh/retry/expire as CoreDNS sets them; minimum is the negative-caching TTL (RFC 2308).
      data: { mname: ns, rname: `hostmaster.${zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    },
    { name: zone, type: 'NS', data: ns },
    ...nameServerIPs.map((ip) => addressRecord(ns, ip)),
  ];
}

/** The address a full reverse name stands for (`4.3.2.1.in-addr.arpa` → `1.2.3.4`); undefined otherwise. */
export function reverseNameToIP(dotted: string): string | undefined {
  const labels = dotted.toLowerCase().split('.');
  if (dotted.endsWith('.in-addr.arpa') && labels.length === 6) {
    const octets = labels.slice(0, 4).reverse();
    return octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) < 256) ? octets.join('.') : undefined;
  }
  if (dotted.endsWith('.ip6.arpa') && labels.length === 34) {
    const nibbles = labels.slice(0, 32).reverse();
    if (!nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(nibbles.slice(i, i + 4).join(''));
    return canonicalIP(groups.join(':'));
  }
  return undefined;
}
