// Endpoint recomputation for changes that are not a client's write: readiness verdicts (the
// health loop, the FQDN resolver, the leader's published verdicts on a follower), Pods a discovery
// source reports, and a change of leadership. Each recomputes the Services concerned, marks what
// the publisher must write again (readiness shows in Pods' conditions too) and tells the
// subscribers which Services changed. Main thread.
import { objectKey } from '../model/types.ts';
import type { DiscoverySyncResult } from './discovered-pods.ts';
import { affectedServices, type EndpointViews } from './endpoint-views.ts';
import type { ObjectIndex } from './object-index.ts';
import type { Publisher } from './publisher.ts';
import { servicesByNamespace } from './readiness-targets.ts';

export interface EndpointRefreshDeps {
  index: ObjectIndex;
  views: EndpointViews;
  publisher: Publisher;
  /** Publishes what was marked, one turn of the event loop later. */
  schedule(): void;
  notify(services: string[]): void;
}

export interface EndpointRefresh {
  /** Every Service, for a new source of readiness (leadership changed); publishes nothing itself. */
  all(): void;
  /** Readiness of these Services (`namespace/name`) changed, or of every one when undefined. */
  readiness(services?: string[]): void;
  /** A discovery source's Pods changed: recomputed and marked; returns the Services to notify once published. */
  discovered(changed: DiscoverySyncResult['changed']): string[];
}

export function createEndpointRefresh(d: EndpointRefreshDeps): EndpointRefresh {
  const { index, views, publisher } = d;
  const everyNamespace = (): string[] => {
    const changed: string[] = [];
    for (const ns of index.namespaces()) changed.push(...views.recompute(ns));
    return changed;
  };
  return {
    all() {
      d.notify(everyNamespace());
    },
    readiness(services) {
      let changed: string[];
      if (services === undefined) {
        changed = everyNamespace();
        for (const ns of index.namespaces()) for (const p of index.list('Pod', ns)) publisher.markObject(objectKey('Pod', ns, p.metadata.name ?? ''));
      } else {
        changed = [];
        for (const [ns, names] of servicesByNamespace(services)) changed.push(...views.recompute(ns, names));
        publisher.markPodsOf(services);
      }
      for (const s of changed) publisher.markService(s);
      d.schedule();
      d.notify(changed);
    },
    discovered(changes) {
      const services: string[] = [];
      for (const c of changes) {
        services.push(...views.recompute(c.namespace, affectedServices(index, c.namespace, c.objects)));
        for (const o of c.objects) if (o) publisher.markObject(objectKey('Pod', c.namespace, o.metadata.name ?? ''));
        publisher.markNamespace(c.namespace);
      }
      for (const s of services) publisher.markService(s);
      return services;
    },
  };
}
