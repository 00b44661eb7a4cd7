// Resolves the names of FQDN EndpointSlices (and of hand-written Endpoints whose `ip` is a name)
// into the addresses the data plane balances over and DNS publishes. Each name is resolved when a
// Service first refers to it, then again at its record's TTL (at least 1 s, at most 30 s apart). A
// name that stops resolving keeps its last addresses and raises a Warning event on the Services
// using it (a Normal one when it resolves again); only a change of addresses recomputes them.
// Main thread: timers and lookups on the event loop, results handed to the registry.
import { Resolver } from 'node:dns/promises';
import { lookup as hostLookup } from 'node:dns/promises';
import type { Registry } from '../control/registry.ts';
import { splitNamespacedKey } from '../model/namespace-of.ts';
import { fqdnNames } from '../model/resolve-fqdn-slice.ts';
import type { Service } from '../model/types.ts';
import { SyError } from '../model/sy-error.ts';

export interface NameLookup {
  /** The name's addresses and, when known, the shortest TTL among them (seconds). Throws when it does not resolve. */
  (name: string): Promise<{ addresses: string[]; ttlSeconds?: number }>;
}

export const MIN_REFRESH_MS = 1000;
export const MAX_REFRESH_MS = 30_000;

/**
 * The host's resolver: DNS with TTLs (c-ares, /etc/resolv.conf or `servers`), and, when that
 * finds nothing and no servers were given, getaddrinfo (/etc/hosts, nsswitch) without a TTL.
 */
export function systemLookup(servers?: string[]): NameLookup {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (servers?.length) resolver.setServers(servers);
  return async (name) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
    const records = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (records.length) return { addresses: records.map((r) => r.address), ttlSeconds: Math.min(...records.map((r) => r.ttl)) };
    if (servers?.length) {
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
      throw reason ?? new SyError('SY_FQDN_NO_ADDRESS', `${name} has no A or AAAA record`, { systemCode: 'ENODATA' });
    }
    const found = await hostLookup(name, { all: true });
    return { addresses: found.map((a) => a.address) };
  };
}

interface NameState {
  services: Set<string>;
  addresses: string[] | undefined;
  failing: string | undefined;
  timer: NodeJS.Timeout | undefined;
  inFlight: boolean;
}

export interface FqdnResolver {
  /** Current addresses of a name (lower case, no trailing dot); undefined before its first answer. */
  addresses(name: string): readonly string[] | undefined;
  /** Resolves once every name known now has had its first answer (or failure). */
  settled(): Promise<void>;
  close(): void;
}

export function startFqdnResolver(o: {
  registry: Registry;
  lookup?: NameLookup;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}): FqdnResolver {
  const lookup = o.lookup ?? systemLookup();
  const names = new Map<string, NameState>();
  const byService = new Map<string, Set<string>>();
  const firstAnswers = new Set<Promise<void>>();
  let closed = false;

  const event = (services: Iterable<string>, type: 'Normal' | 'Warning', reason: string, message: string) => {
    for (const key of services) {
      const [namespace, name] = splitNamespacedKey(key);
      o.registry.recordEvent({ kind: 'Service', namespace, name }, type, reason, message, 'switchyard-fqdn-resolver');
    }
    o.log(type === 'Warning' ? 'warn' : 'info', `${reason}: ${message}`);
  };

  async function resolve(name: string): Promise<void> {
    const s = names.get(name);
    if (!s || s.inFlight || closed) return;
    s.inFlight = true;
    let next = MAX_REFRESH_MS;
    try {
      const r = await lookup(name);
      if (r.addresses.length === 0) throw new SyError('SY_FQDN_NO_ADDRESS', 'no addresses', { systemCode: 'ENODATA' });
      const addresses = [...new Set(r.addresses)].sort();
      if (r.ttlSeconds !== undefined) next = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, r.ttlSeconds * 1000));
      if (s.failing !== undefined) event(s.services, 'Normal', 'FQDNResolved', `${name} resolves again: ${addresses.join(', ')}`);
      s.failing = undefined;
      const changed = s.addresses?.join() !== addresses.join();
      s.addresses = addresses;
      if (changed && !closed && names.get(name) === s) o.registry.readinessChanged([...s.services]);
    } catch (err) {
      // The resolver's errno name (ENOTFOUND…), or ours for an empty answer.
      const e = err as Partial<SyError> & Error;
      const why = `${e.systemCode ?? e.code ?? ''} ${e.message}`.trim();
      if (s.failing !== why) {
        const kept = s.addresses?.length ? `; keeping its last addresses ${s.addresses.join(', ')}` : '; it has no addresses yet';
        event(s.services, 'Warning', 'FQDNResolutionFailed', `${name} does not resolve (${why})${kept}`);
      }
      s.failing = why;
      next = 5000;
    } finally {
      s.inFlight = false;
    }
    if (!closed && names.get(name) === s) {
      s.timer = setTimeout(() => void resolve(name), next);
      s.timer.unref();
    }
  }

  /** Re-reads which names `serviceKey` refers to. */
  function scan(serviceKey: string) {
    const [ns, svcName] = splitNamespacedKey(serviceKey);
    const svc = o.registry.get('Service', ns, svcName) as Service | undefined;
    const wanted = new Set<string>();
    if (svc) for (const slice of o.registry.declaredServiceSlices(ns, svcName)) for (const n of fqdnNames(slice)) wanted.add(n);
    const had = byService.get(serviceKey) ?? new Set();
    for (const n of had) {
      if (wanted.has(n)) continue;
      const s = names.get(n)!;
      s.services.delete(serviceKey);
      if (s.services.size === 0) { clearTimeout(s.timer); names.delete(n); }
    }
    for (const n of wanted) {
      let s = names.get(n);
      if (!s) {
        names.set(n, s = { services: new Set(), addresses: undefined, failing: undefined, timer: undefined, inFlight: false });
        s.services.add(serviceKey);
        const first = resolve(n);
        firstAnswers.add(first);
        void first.finally(() => firstAnswers.delete(first));
      } else if (!s.services.has(serviceKey)) {
        s.services.add(serviceKey);
        // A Service that starts using a name already known gets its addresses at once.
        if (s.addresses) queueMicrotask(() => { if (!closed) o.registry.readinessChanged([serviceKey]); });
      }
    }
    if (wanted.size) byService.set(serviceKey, wanted);
    else byService.delete(serviceKey);
  }

  o.registry.setNameAddresses((name) => names.get(name)?.addresses);
  const unsubscribe = o.registry.subscribe((notice) => { for (const key of notice.services) scan(key); });
  for (const s of o.registry.list('Service')) scan(`${s.metadata.namespace}/${s.metadata.name}`);

  return {
    addresses: (name) => names.get(name)?.addresses,
    async settled() {
      while (firstAnswers.size) await Promise.all([...firstAnswers]);
    },
    close() {
      closed = true;
      unsubscribe();
      o.registry.setNameAddresses(undefined);
      for (const s of names.values()) clearTimeout(s.timer);
      names.clear();
    },
  };
}
