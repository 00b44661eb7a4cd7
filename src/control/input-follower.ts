// Following a shared store: declared objects another instance committed (and this instance's own,
// seen again through the store's watch) are brought into this registry's index, allocators and
// endpoint views, so every instance computes the same endpoints and programs its own data plane
// from them. A change this index already holds is skipped, which is how an instance recognises its
// own writes. Main thread, inside the registry's write queue (never between a write's validation
// and its commit).
import { namespaceOf } from '../model/namespace-of.ts';
import { parseObjectKey, type KubeObject, type Namespace, type Service } from '../model/types.ts';
import type { InputChange } from '../store/store.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import { affectedServices, type EndpointViews } from './endpoint-views.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';
import type { ObjectIndex } from './object-index.ts';
import type { Publisher } from './publisher.ts';
import { releaseService, reserveHeld } from './service-allocations.ts';

export interface InputFollowerDeps {
  index: ObjectIndex;
  ips: ClusterIpAllocator;
  ports: NodePortAllocator;
  views: EndpointViews;
  publisher: Publisher;
  declaredNamespaces: Map<string, Namespace>;
  notify(services: string[]): void;
  /** A Service went away (its load-balancer status is forgotten). */
  released(svc: Service): void;
  /** Publish what was marked (the leader's Endpoints for the change). */
  schedule(): void;
}

export function createInputFollower(d: InputFollowerDeps) {
  return {
    apply(changes: InputChange[]): void {
      const changed: string[] = [];
      for (const c of changes) {
        const { kind, namespace: ns, name } = parseObjectKey(c.key);
        if (kind === 'Namespace') {
          const prev = d.declaredNamespaces.get(name);
          if (JSON.stringify(prev) === JSON.stringify(c.object)) continue;
          if (c.object) d.declaredNamespaces.set(name, c.object as unknown as Namespace); else d.declaredNamespaces.delete(name);
          d.publisher.markNamespace(name);
          continue;
        }
        const obj = c.object as KubeObject | undefined;
        const prev = d.index.get(kind as KubeObject['kind'], ns, name);
        if (JSON.stringify(prev) === JSON.stringify(obj)) continue;
        if (obj) d.index.put(obj); else d.index.remove(kind as KubeObject['kind'], ns, name);
        if (prev?.kind === 'Service') {
          releaseService(d.ips, d.ports, prev);
          if (!obj) d.released(prev);
        }
        if (obj?.kind === 'Service') reserveHeld(d.ips, d.ports, obj);
        const services = d.views.recompute(namespaceOf(obj?.metadata ?? prev!.metadata), affectedServices(d.index, ns, [prev, obj]));
        for (const s of services) d.publisher.markService(s);
        changed.push(...services);
        d.publisher.markNamespace(ns);
      }
      d.schedule();
      d.notify(changed);
    },
  };
}
