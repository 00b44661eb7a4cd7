// Which Services' endpoints a readiness change touches, as data. Pure; main thread.
// - On a follower, the leader's verdicts arrive as published changes: an EndpointSlice names its
//   Service by label (and may carry a manual endpoint's verdict), a Pod's Ready condition feeds
//   every Service whose selector matches the Pod this instance declared under that name.
// - The health loop and the FQDN resolver name Services as `namespace/name`, recomputed one
//   namespace at a time.
import { namespaceOf, splitNamespacedKey } from '../model/namespace-of.ts';
import { LABEL_SERVICE_NAME } from '../model/well-known-labels.ts';
import type { StoreChange } from '../store/store.ts';
import { affectedServices } from './endpoint-views.ts';
import type { ObjectIndex } from './object-index.ts';

export interface PublishedReadinessTargets {
  /** `namespace/name` of every Service to recompute, each once, in the order first named. */
  services: string[];
  /** A published EndpointSlice changed (the leader's endpoint verdicts must be read again). */
  slices: boolean;
}

export function publishedReadinessTargets(changes: readonly StoreChange[], index: ObjectIndex): PublishedReadinessTargets {
  const services = new Set<string>();
  let slices = false;
  for (const c of changes) {
    if (c.key.startsWith('EndpointSlice/')) {
      slices = true;
      const svc = c.object.metadata.labels?.[LABEL_SERVICE_NAME];
      if (svc) services.add(`${namespaceOf(c.object.metadata)}/${svc}`);
    } else if (c.key.startsWith('Pod/')) {
      const ns = namespaceOf(c.object.metadata);
      for (const n of affectedServices(index, ns, [index.get('Pod', ns, c.object.metadata.name ?? '')])) services.add(`${ns}/${n}`);
    }
  }
  return { services: [...services], slices };
}

/** `namespace/name` keys grouped by namespace: namespace → names. */
export function servicesByNamespace(keys: Iterable<string>): Map<string, Set<string>> {
  const byNs = new Map<string, Set<string>>();
  for (const key of keys) {
    const [ns, name] = splitNamespacedKey(key);
    let names = byNs.get(ns);
    if (!names) byNs.set(ns, names = new Set());
    names.add(name);
  }
  return byNs;
}
