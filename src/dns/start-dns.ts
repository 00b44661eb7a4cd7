// The DNS part of a running switchyard: keeps the built-in kube-system/kube-dns Service as the
// flags say, keeps the zone in step with the registry (every change notice rewrites the records of
// the Services it names, before the next query is read), and answers on the kube-dns addresses.
// Main thread; started by the server after the registry, stopped before it.
import type { Registry } from '../control/registry.ts';
import {
  KUBE_DNS_NAME, KUBE_DNS_NAMESPACE, isKubeDnsService, kubeDnsService,
} from '../model/kube-dns-service.ts';
import { splitNamespacedKey } from '../model/namespace-of.ts';
import { SyError } from '../model/sy-error.ts';
import type { Service } from '../model/types.ts';
import { createDnsAnswerer } from './dns-answerer.ts';
import { createDnsForwarder, systemNameservers, type Upstream } from './dns-forwarder.ts';
import { createDnsMetrics, type DnsMetrics } from './dns-metrics.ts';
import { startDnsResponder, type DnsResponder } from './dns-responder.ts';
import { createDnsZone } from './dns-zone.ts';
import { inCidr, kubeDnsPlan, type KubeDnsPlan } from './kube-dns-plan.ts';
import { reverseNameToIP, serviceRecords, zoneRecords } from './service-records.ts';

export interface DnsSettings {
  /** --dns: undefined = `.10` of the service CIDR on port 53, 'off', or IP[:PORT]. */
  address?: string;
  clusterDomain: string;
  ttl: number;
  /** --dns-forward: undefined = names outside the zone are REFUSED; 'system' = /etc/resolv.conf's servers. */
  forward?: 'system' | string[];
  /**
   * Several instances share the store: the built-in Service is theirs together, so one started
   * with DNS off leaves it alone instead of deleting it for all.
   */
  shared?: boolean;
}

export interface RunningDns {
  /** undefined when DNS is off. */
  plan: KubeDnsPlan | undefined;
  metrics: DnsMetrics;
  responder: DnsResponder | undefined;
  close(): Promise<void>;
}

const KEY = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`;

/** `IP` or `IP:PORT` or `[IPv6]:PORT` → an upstream (port 53 unless given). */
export function parseUpstream(text: string): Upstream {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const single = text.indexOf(':') === text.lastIndexOf(':') ? /^([^:]+)(?::(\d+))?$/.exec(text) : null;
  const m = bracket ?? single ?? [text, text, undefined];
  const port = m[2] === undefined ? 53 : Number(m[2]);
  if (!/^[0-9a-fA-F.:]+$/.test(m[1]) || !(port >= 1 && port <= 65535)) {
    throw new SyError('SY_DNS_FORWARD', `--dns-forward ${text}: expected IP, IP:PORT or [IPv6]:PORT`);
  }
  return { ip: m[1], port };
}

export async function startDns(o: {
  registry: Registry;
  serviceCidr: string;
  settings: DnsSettings;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}): Promise<RunningDns> {
  const { registry, settings, log } = o;
  const zoneName = settings.clusterDomain.toLowerCase().replace(/\.$/, '');
  const metrics = createDnsMetrics();
  let plan: KubeDnsPlan | undefined;
  try {
    plan = kubeDnsPlan(o.serviceCidr, settings.address);
  } catch (err) {
    if (settings.address !== undefined) throw err;
    log('warn', `DNS responder off: ${(err as Error).message}`);
  }

  const report = (type: 'Normal' | 'Warning', reason: string, message: string) => {
    registry.recordEvent({ kind: 'Service', namespace: KUBE_DNS_NAMESPACE, name: KUBE_DNS_NAME }, type, reason, message, 'switchyard-dns');
    log(type === 'Warning' ? 'warn' : 'info', `service ${KEY}: ${reason}: ${message}`);
  };

  // The built-in Service, re-applied whenever someone changes or deletes it (addon-manager Reconcile).
  let keeping = Promise.resolve();
  let lastKeepError = '';
  const keep = () => {
    keeping = keeping.then(async () => {
      const current = registry.get('Service', KUBE_DNS_NAMESPACE, KUBE_DNS_NAME) as Service | undefined;
      try {
        if (!plan) {
          if (current && isKubeDnsService(current) && !settings.shared) await registry.delete('Service', KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
          return;
        }
        const desired = kubeDnsService({ ...plan, zone: zoneName });
        if (current && current.spec.clusterIP !== plan.clusterIP) await registry.delete('Service', KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
        await registry.apply(desired);
        lastKeepError = '';
      } catch (err) {
        const message = `cannot keep the built-in Service ${KEY} at ${plan?.clusterIP}: ${(err as Error).message} — delete the Service that holds that address, or move DNS with --dns ADDR`;
        if (message !== lastKeepError) log('error', message);
        lastKeepError = message;
      }
    });
    return keeping;
  };
  await keep();
  if (!plan) return { plan, metrics, responder: undefined, close: async () => {} };

  const zone = createDnsZone(zoneName, (dotted) => {
    const ip = reverseNameToIP(dotted);
    return ip !== undefined && inCidr(ip, o.serviceCidr);
  });
  const nameServers = [plan.clusterIP, ...plan.externalIPs];
  zone.set('#zone', zoneRecords(zoneName, nameServers, settings.ttl, Math.floor(Date.now() / 1000)));
  const sync = (key: string) => {
    const [ns, name] = splitNamespacedKey(key);
    const svc = registry.get('Service', ns, name) as Service | undefined;
    zone.set(key, svc ? serviceRecords(svc, registry.serviceSlices(ns, name), zoneName) : []);
  };
  for (const s of registry.list('Service')) sync(`${s.metadata.namespace}/${s.metadata.name}`);
  const unsubscribe = registry.subscribe((notice) => {
    for (const key of notice.services) {
      sync(key);
      if (key === KEY) void keep();
    }
  });

  const endpoints = nameServers.map((ip) => ({ ip, port: plan!.port }));
  let forwarder;
  if (settings.forward) {
    const ours = (u: Upstream) => endpoints.some((e) => e.ip === u.ip && e.port === u.port);
    const wanted = settings.forward === 'system' ? systemNameservers() : settings.forward.map(parseUpstream);
    const upstreams = wanted.filter((u) => !ours(u));
    if (upstreams.length === 0) {
      log('warn', `--dns-forward: no upstream resolver besides switchyard itself${settings.forward === 'system' ? ' in /etc/resolv.conf' : ''}; names outside ${zoneName} are REFUSED`);
    } else {
      forwarder = createDnsForwarder(upstreams);
      const open = endpoints.filter((e) => !/^127\.|^::1$/.test(e.ip));
      if (open.length) log('warn', `DNS on ${open.map((e) => e.ip).join(', ')} forwards for anyone who can reach it (an open resolver); keep it on loopback unless that is meant`);
      log('info', `DNS: names outside ${zoneName} go to ${upstreams.map((u) => `${u.ip}:${u.port}`).join(', ')}`);
    }
  }
  const answerer = createDnsAnswerer({ zone, ttl: settings.ttl, forwarding: !!forwarder, counters: metrics });
  const responder = startDnsResponder({ endpoints, answerer, forwarder, metrics, report });
  await responder.ready;
  if (responder.bound().length) log('info', `DNS: answering ${zoneName} on ${responder.bound().join(', ')} (UDP and TCP)`);

  return {
    plan, metrics, responder,
    async close() {
      unsubscribe();
      await responder.close();
      await keeping;
    },
  };
}

