// The registry's get and list: stored objects merged with the controllers' computed Endpoints and
// EndpointSlices (endpoint-views.ts), which replace a stored one of the same name, as the
// controller overwrites it in Kubernetes. Every object returned is a client view (a copy). Main
// thread.
import { namespaceOf } from '../model/namespace-of.ts';
import type { EndpointSlice, KindName, KubeObject } from '../model/types.ts';
import type { EndpointViews } from './endpoint-views.ts';
import { keyOf, type ObjectIndex } from './object-index.ts';

export interface RegistryReads {
  get(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  /** Sorted by namespace, then name. */
  list(kind: KindName, namespace?: string): KubeObject[];
}

/** `view` makes the copy clients see (clientView with the registry's sources). */
export function createRegistryReads(index: ObjectIndex, views: EndpointViews, view: <T extends KubeObject>(obj: T) => T): RegistryReads {
  const computedEndpoints = (ns: string, name: string) => views.get(ns, name)?.endpoints;
  const computedSlices = (ns?: string): EndpointSlice[] => {
    const out: EndpointSlice[] = [];
    // Applied slices too: the copies carry the probe verdicts, and replace the stored ones in get/list.
    for (const v of views.all()) out.push(...v.generated, ...v.mirrored, ...v.applied);
    return ns === undefined ? out : out.filter((s) => namespaceOf(s.metadata) === ns);
  };

  function get(kind: KindName, namespace: string, name: string): KubeObject | undefined {
    if (kind === 'Endpoints') {
      const computed = computedEndpoints(namespace, name);
      if (computed) return view(computed);
    }
    if (kind === 'EndpointSlice') {
      const computed = computedSlices(namespace).find((s) => s.metadata.name === name);
      if (computed) return view(computed);
    }
    const obj = index.get(kind, namespace, name);
    return obj ? view(obj) : undefined;
  }

  function list(kind: KindName, namespace?: string): KubeObject[] {
    const byKey = new Map<string, KubeObject>();
    for (const o of index.list(kind, namespace)) byKey.set(keyOf(o), o);
    if (kind === 'Endpoints') {
      for (const v of views.all()) if (v.endpoints && (namespace === undefined || namespaceOf(v.endpoints.metadata) === namespace)) byKey.set(keyOf(v.endpoints), v.endpoints);
    }
    if (kind === 'EndpointSlice') for (const s of computedSlices(namespace)) byKey.set(keyOf(s), s);
    return [...byKey.values()]
      .sort((a, b) => {
        const na = namespaceOf(a.metadata);
        const nb = namespaceOf(b.metadata);
        if (na !== nb) return na < nb ? -1 : 1;
        const ma = a.metadata.name ?? '';
        const mb = b.metadata.name ?? '';
        return ma < mb ? -1 : ma > mb ? 1 : 0;
      })
      .map(view);
  }

  return { get, list };
}
