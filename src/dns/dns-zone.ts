// The names the responder is authoritative for, keyed by their wire form in lower case (what the
// hot path copies out of a query, so a lookup needs no conversion to dotted text). Each name holds
// the records every source (a Service, the zone itself) contributes; names under the cluster zone
// also count their descendants, so that an empty non-terminal (`svc.cluster.local`,
// `<ns>.svc.cluster.local`, `_tcp.<svc>…`) answers NOERROR without data rather than NXDOMAIN
// (RFC 8020). Main thread: written on every change notice, read per query.
import type { DnsRecord } from './service-records.ts';

export interface ZoneNode {
  /** Dotted, lower case, no trailing dot. */
  readonly name: string;
  /** Every record of this name, all sources together. */
  records: DnsRecord[];
  /** Encoded answers per query type, built on first use and dropped when the records change. */
  answers: Map<number, unknown> | undefined;
  bySource: Map<string, DnsRecord[]>;
  /** Names below this one (in the cluster zone only). */
  descendants: number;
}

export interface DnsZone {
  /** The cluster domain, dotted (`cluster.local`). */
  readonly zone: string;
  /** Replaces everything `source` contributes (an empty list removes it). */
  set(source: string, records: DnsRecord[]): void;
  node(wireKey: string): ZoneNode | undefined;
  /** Whether a name this zone does not hold is still ours to deny (NXDOMAIN), given its wire key. */
  isAuthoritative(wireKey: string): boolean;
  /** Bumped on every change. */
  readonly version: number;
  /** Number of names held. */
  readonly size: number;
}

/** `a.b.c` → `\x01a\x01b\x01c\x00`, as a latin1 string of the wire bytes. */
export function wireKey(dotted: string): string {
  let out = '';
  if (dotted !== '' && dotted !== '.') {
    for (const label of dotted.replace(/\.$/, '').split('.')) out += String.fromCharCode(label.length) + label;
  }
  return out + '\0';
}

/** The dotted form of a wire key (labels only, no compression). */
export function dottedName(key: string): string {
  const labels: string[] = [];
  for (let at = 0; at < key.length;) {
    const l = key.charCodeAt(at);
    if (l === 0) break;
    labels.push(key.slice(at + 1, at + 1 + l));
    at += l + 1;
  }
  return labels.join('.');
}

/** Whether `key` is `suffix` or a name below it (label-aligned). */
export function isAtOrBelow(key: string, suffix: string): boolean {
  if (!key.endsWith(suffix)) return false;
  const start = key.length - suffix.length;
  let at = 0;
  while (at < start) at += key.charCodeAt(at) + 1;
  return at === start;
}

/** The wire key of the parent name (`\x01b\x01c\x00` for `\x01a\x01b\x01c\x00`); undefined for the root. */
function parentKey(key: string): string | undefined {
  return key.length <= 1 ? undefined : key.slice(key.charCodeAt(0) + 1);
}

/**
 * `reverseAuthority` says whether a reverse name (`…in-addr.arpa`/`…ip6.arpa`, dotted) lies in a
 * range we own (the service CIDR), so that an unknown one is NXDOMAIN rather than someone else's.
 */
export function createDnsZone(zone: string, reverseAuthority: (dotted: string) => boolean = () => false): DnsZone {
  const apex = zone.toLowerCase().replace(/\.$/, '');
  const apexKey = wireKey(apex);
  const nodes = new Map<string, ZoneNode>();
  const sources = new Map<string, string[]>();
  // Names whose answers reach into other names (CNAME chains, SRV targets' addresses).
  const linking = new Set<ZoneNode>();
  let version = 0;

  const inCluster = (key: string) => isAtOrBelow(key, apexKey);

  function ensure(key: string): ZoneNode {
    let n = nodes.get(key);
    if (n) return n;
    n = { name: dottedName(key), records: [], answers: undefined, bySource: new Map(), descendants: 0 };
    nodes.set(key, n);
    if (key !== apexKey && inCluster(key)) {
      const parent = parentKey(key)!;
      ensure(parent).descendants++;
    }
    return n;
  }

  function prune(key: string): void {
    const n = nodes.get(key);
    if (!n || n.bySource.size > 0 || n.descendants > 0) return;
    nodes.delete(key);
    linking.delete(n);
    if (key !== apexKey && inCluster(key)) {
      const parent = parentKey(key)!;
      const p = nodes.get(parent);
      if (p) { p.descendants--; prune(parent); }
    }
  }

  const refresh = (n: ZoneNode) => {
    n.records = [...n.bySource.values()].flat();
    n.answers = undefined;
    if (n.records.some((r) => r.type === 'CNAME' || r.type === 'SRV' || r.type === 'NS')) linking.add(n);
    else linking.delete(n);
  };

  return {
    zone: apex,
    set(source, records) {
      version++;
      const byName = new Map<string, DnsRecord[]>();
      for (const r of records) {
        const key = wireKey(r.name);
        let list = byName.get(key);
        if (!list) byName.set(key, list = []);
        list.push(r);
      }
      const old = sources.get(source) ?? [];
      for (const key of old) {
        if (byName.has(key)) continue;
        const n = nodes.get(key);
        if (!n) continue;
        n.bySource.delete(source);
        refresh(n);
        prune(key);
      }
      for (const [key, list] of byName) {
        const n = ensure(key);
        n.bySource.set(source, list);
        refresh(n);
      }
      if (byName.size) sources.set(source, [...byName.keys()]);
      else sources.delete(source);
      // Cached answers elsewhere may have followed a CNAME or listed an SRV target's addresses here.
      if (old.length || byName.size) for (const n of linking) n.answers = undefined;
    },
    node: (key) => nodes.get(key),
    isAuthoritative(key) {
      if (inCluster(key)) return true;
      const dotted = dottedName(key);
      return (dotted.endsWith('.in-addr.arpa') || dotted.endsWith('.ip6.arpa')) && reverseAuthority(dotted);
    },
    get version() { return version; },
    get size() { return nodes.size; },
  };
}
