// Turns the registry's state into the API objects clients read, and what changed into store ops.
// The registry marks what a change may have touched (an object's key, a Service whose derived
// Endpoints/EndpointSlices may differ, a namespace, the Pods a readiness change concerns); take()
// computes the wanted object for each marked key and emits a publish or unpublish op for every key
// whose wanted content differs from the published one. Unmarked keys are never looked at, so one
// change costs the same with 10 or 10,000 objects. Main thread.
import { randomUUID } from 'node:crypto';
import { namespaceOf, splitNamespacedKey } from '../model/namespace-of.ts';
import type { ApiObject, KubeObject, Lease, Namespace } from '../model/types.ts';
import { objectKey, parseObjectKey } from '../model/types.ts';
import type { StoreOp } from '../store/store.ts';
import type { EndpointViews } from './endpoint-views.ts';
import type { EventLog } from './event-log.ts';
import { rfc3339 } from './event-log.ts';
import type { ObjectIndex } from './object-index.ts';
import { contentFingerprint, type PublishedCache } from './published-cache.ts';

/** Namespaces that always exist, as in every cluster. */
export const BUILT_IN_NAMESPACES = ['default', 'kube-system'];

export interface PublisherDeps {
  index: ObjectIndex;
  views: EndpointViews;
  cache: PublishedCache;
  events: EventLog;
  /** Declared Namespace objects (kubectl apply -f ns.yaml), by name. */
  declaredNamespaces: Map<string, Namespace>;
  /** The client view of a stored Service or Pod (status, readiness). */
  view<T extends KubeObject>(obj: T): T;
  clock(): number;
  /**
   * Whether this instance runs the controllers (default always). Without them it publishes no
   * Endpoints or EndpointSlices: the leader does, from the same inputs.
   */
  controllers?(): boolean;
  /** Pods that stay with this instance and are never published (discovered ones, on a shared store). */
  localOnly?(namespace: string, name: string): boolean;
  /** The controllers' Lease as this instance, leading, would publish it (controller-lease.ts). */
  lease?(namespace: string, name: string): Lease | undefined;
}

export interface Marks {
  objects: Set<string>;
  services: Set<string>;
  namespaces: Set<string>;
}

export interface Publisher {
  markObject(key: string): void;
  /** `namespace/name` of a Service whose derived Endpoints and EndpointSlices may have changed. */
  markService(serviceKey: string): void;
  markNamespace(namespace: string): void;
  /** Every Pod the slices of these Services point at (their Ready condition may have changed). */
  markPodsOf(serviceKeys: Iterable<string>): void;
  /** Every marked key's ops, marks cleared; hand the marks back with remark() if the commit fails. */
  take(): { ops: StoreOp[]; marks: Marks };
  remark(marks: Marks): void;
  /** Marks everything (start-up: the published objects are brought in line with the inputs). */
  markAll(): void;
}

export function createPublisher(d: PublisherDeps): Publisher {
  let marks: Marks = { objects: new Set(), services: new Set(), namespaces: new Set() };
  /** Service key → keys of the Endpoints/EndpointSlices published for it; and the reverse. */
  const derived = new Map<string, Set<string>>();
  const ownerOf = new Map<string, string>();

  const inputView = (key: string): ApiObject | undefined => {
    const { kind, namespace, name } = parseObjectKey(key);
    if (kind === 'Event') return d.events.byKey(key);
    if (kind === 'Namespace') return wantedNamespace(name);
    if (kind === 'Lease') return d.lease?.(namespace, name);
    const obj = d.index.get(kind as KubeObject['kind'], namespace, name);
    if (!obj || (kind === 'Pod' && d.localOnly?.(namespace, name))) return undefined;
    if (obj.kind === 'Service' || obj.kind === 'Pod') return d.view(obj);
    return obj.kind === 'EndpointSlice' && !obj.endpoints ? { ...obj, endpoints: [] } : obj;
  };

  const wantedNamespace = (name: string): Namespace | undefined => {
    const declared = d.declaredNamespaces.get(name);
    if (!declared && !BUILT_IN_NAMESPACES.includes(name) && d.index.count(name) === 0) return undefined;
    const ns: Namespace = declared ? structuredClone(declared) : { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': name };
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
    return ns;
  };

  /** Fills uid and creationTimestamp from the published object (or new ones), as the apiserver keeps them. */
  const settle = (key: string, obj: ApiObject): ApiObject => {
    const published = d.cache.getKey(key);
    if (obj.metadata.uid && obj.metadata.creationTimestamp) return obj;
    const copy = { ...obj, metadata: { ...obj.metadata } } as ApiObject;
    copy.metadata.uid ??= published?.metadata.uid ?? randomUUID();
    copy.metadata.creationTimestamp ??= published?.metadata.creationTimestamp ?? rfc3339(d.clock());
    delete copy.metadata.resourceVersion;
    return copy;
  };

  const diff = (wanted: Map<string, ApiObject | undefined>): StoreOp[] => {
    const ops: StoreOp[] = [];
    for (const [key, obj] of wanted) {
      if (obj === undefined) {
        if (d.cache.getKey(key)) ops.push({ op: 'unpublish', key });
        continue;
      }
      const next = settle(key, obj);
      if (d.cache.fingerprint(key) !== contentFingerprint(next)) ops.push({ op: 'publish', key, object: next });
    }
    return ops;
  };

  return {
    markObject: (key) => { marks.objects.add(key); },
    markService: (key) => { marks.services.add(key); },
    markNamespace: (ns) => { marks.namespaces.add(ns); },
    markPodsOf(serviceKeys) {
      for (const sk of serviceKeys) {
        const view = d.views.get(...splitNamespacedKey(sk));
        for (const s of view?.generated ?? []) {
          for (const ep of s.endpoints ?? []) {
            const ref = ep.targetRef;
            if (ref?.kind === 'Pod' && ref.name) marks.objects.add(objectKey('Pod', ref.namespace ?? namespaceOf(s.metadata), ref.name));
          }
        }
      }
    },
    markAll() {
      for (const ns of d.index.namespaces()) {
        marks.namespaces.add(ns);
        for (const kind of ['Service', 'Pod', 'Endpoints', 'EndpointSlice'] as const) {
          for (const o of d.index.list(kind, ns)) marks.objects.add(objectKey(kind, ns, o.metadata.name ?? ''));
        }
      }
      for (const v of d.views.all()) {
        for (const s of v.slices) marks.services.add(`${namespaceOf(s.metadata)}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`);
        if (v.endpoints) marks.services.add(`${namespaceOf(v.endpoints.metadata)}/${v.endpoints.metadata.name}`);
      }
      for (const ns of BUILT_IN_NAMESPACES) marks.namespaces.add(ns);
      for (const name of d.declaredNamespaces.keys()) marks.namespaces.add(name);
      // Published objects without an input any more (deleted while the server was down) go too.
      for (const kind of ['Service', 'Pod', 'Endpoints', 'EndpointSlice', 'Namespace', 'Event', 'Lease'] as const) {
        for (const o of d.cache.list(kind)) {
          const key = kind === 'Namespace' ? objectKey(kind, '', o.metadata.name ?? '') : objectKey(kind, namespaceOf(o.metadata), o.metadata.name ?? '');
          marks.objects.add(key);
          const owner = o.metadata.labels?.['kubernetes.io/service-name'];
          if (owner && (kind === 'EndpointSlice')) marks.services.add(`${namespaceOf(o.metadata)}/${owner}`);
          if (kind === 'Endpoints') marks.services.add(`${namespaceOf(o.metadata)}/${o.metadata.name}`);
        }
      }
    },
    take() {
      const taken = marks;
      marks = { objects: new Set(), services: new Set(), namespaces: new Set() };
      for (const key of d.events.takeChanged()) taken.objects.add(key);
      // A follower leaves the controllers' objects to the leader (who marks everything on taking over).
      if (d.controllers && !d.controllers()) {
        taken.services.clear();
        for (const key of taken.objects) if (key.startsWith('Lease/')) taken.objects.delete(key);
      }
      // Op order is watch order: a namespace before what it holds, an object before the
      // Endpoints and EndpointSlices the controllers derive from it.
      const derivedWanted = new Map<string, ApiObject | undefined>();
      for (const sk of taken.services) {
        const [ns, name] = splitNamespacedKey(sk);
        const view = d.views.get(ns, name);
        const keys = new Set<string>();
        if (view?.endpoints) {
          const k = objectKey('Endpoints', ns, view.endpoints.metadata.name ?? '');
          derivedWanted.set(k, view.endpoints);
          keys.add(k);
        }
        for (const s of view?.slices ?? []) {
          const k = objectKey('EndpointSlice', ns, s.metadata.name ?? '');
          // `endpoints: []`, never absent: the Python client refuses a slice without it.
          derivedWanted.set(k, s.endpoints ? s : { ...s, endpoints: [] });
          keys.add(k);
        }
        for (const old of derived.get(sk) ?? []) {
          if (!keys.has(old)) {
            ownerOf.delete(old);
            // A stored object of the same name shows again once the controller's copy is gone.
            derivedWanted.set(old, inputView(old));
          }
        }
        for (const k of keys) ownerOf.set(k, sk);
        if (keys.size > 0) derived.set(sk, keys); else derived.delete(sk);
      }
      const wanted = new Map<string, ApiObject | undefined>();
      for (const ns of taken.namespaces) {
        const key = objectKey('Namespace', '', ns);
        const w = wantedNamespace(ns);
        // A namespace that goes is deleted after what it held.
        if (w || !d.cache.getKey(key)) wanted.set(key, w);
      }
      for (const key of taken.objects) {
        if (derivedWanted.has(key) || ownerOf.has(key)) continue;
        wanted.set(key, inputView(key));
      }
      for (const [k, v] of derivedWanted) wanted.set(k, v);
      for (const ns of taken.namespaces) {
        const key = objectKey('Namespace', '', ns);
        if (!wanted.has(key)) wanted.set(key, undefined);
      }
      for (const k of wanted.keys()) if (!k.startsWith('Namespace/')) taken.objects.add(k);
      return { ops: diff(wanted), marks: taken };
    },
    remark(m) {
      for (const k of m.objects) marks.objects.add(k);
      for (const k of m.services) marks.services.add(k);
      for (const k of m.namespaces) marks.namespaces.add(k);
    },
  };
}
