// Readiness on an instance that does not lead: the leader's health loop decides, and its verdicts
// are in the published objects (a Pod's Ready condition, the conditions of a manual endpoint in its
// EndpointSlice), so this instance's endpoints — and its data plane — follow what the leader
// published. A follower that becomes the leader starts its own health loop from these verdicts
// (ReadinessSource.adopt). Main thread.
import { joinHostPort } from '../model/ip-address.ts';
import { podConditionReady } from '../model/pod-ready.ts';
import type { EndpointSlice, Pod } from '../model/types.ts';
import type { PublishedVerdicts, ReadinessSource } from './control-plane-api.ts';
import type { PublishedCache } from './published-cache.ts';

export interface PublishedReadiness extends ReadinessSource, PublishedVerdicts {
  /** A published EndpointSlice changed: the endpoint index is rebuilt on next use. */
  invalidate(): void;
}

export function createPublishedReadiness(cache: PublishedCache): PublishedReadiness {
  let notReady: Set<string> | undefined;
  const pod = (namespace: string, name: string, uid?: string) => {
    const published = cache.get('Pod', namespace, name) as Pod | undefined;
    if (!published || (uid && published.metadata.uid !== uid)) return undefined;
    return podConditionReady(published);
  };
  const endpoint = (ip: string, port: number) => {
    if (!notReady) {
      notReady = new Set();
      for (const s of cache.list('EndpointSlice') as EndpointSlice[]) {
        for (const e of s.endpoints ?? []) {
          if (e.conditions?.ready !== false || e.targetRef?.kind === 'Pod') continue;
          for (const a of e.addresses) for (const p of s.ports ?? []) if (p.port) notReady.add(joinHostPort(a, p.port));
        }
      }
    }
    return notReady.has(joinHostPort(ip, port)) ? false : undefined;
  };
  return {
    pod,
    endpoint,
    podReady: (p: Pod) => pod(p.metadata.namespace ?? 'default', p.metadata.name ?? '', p.metadata.uid),
    endpointReady: endpoint,
    invalidate() { notReady = undefined; },
  };
}
