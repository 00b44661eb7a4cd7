// The API server of switchyard: validates, defaults and allocates applied objects, stores them
// durably, keeps the controllers' endpoints up to date, publishes every object as clients read it
// and tells subscribers which Services changed. Main thread only. This file composes the pieces;
// each concern is its own file:
//
// - Writes (apply, patch, delete, and the publisher's flushes) go through one queue
//   (write-queue.ts), so concurrent API calls never interleave between validation, allocation and
//   commit. The write path is object-writes.ts (namespace-writes.ts for Namespaces); a user write is
//   one store commit (write-commit.ts): the declared object plus every published object it changes
//   (the object itself, its Service's Endpoints and EndpointSlices, its namespace), each numbered
//   by the store. With several instances on one store, allocations are also claims in that commit
//   (allocation-claims.ts), and a lost claim race allocates again (allocation-retry.ts).
// - Changes from the server itself (readiness from the health loop, load-balancer status from the
//   data plane, events) are marked and published by a flush one turn of the event loop later,
//   coalesced (publish-flush.ts); their endpoint recomputation is endpoint-refresh.ts. What
//   get/list/watch show is the published state (published-cache.ts), always on disk.
// - Generated Endpoints/EndpointSlices (selector Services) and mirrored slices (manual Endpoints of
//   selector-less Services) are computed (endpoint-views.ts) and published, never declared. An
//   Endpoints object applied for a Service that has a selector is stored, but the controller's
//   computed one is what is published, as in Kubernetes where the controller overwrites it.
// - Pods a discovery source reports (Docker containers) are an overlay on the same index, never
//   declared (stored) and read-only through the API (discovered-pods.ts); they are published like
//   any Pod.
// - On a shared store, other instances' declared changes are followed (input-inbox.ts,
//   input-follower.ts); who runs the controllers, and whose readiness verdicts the endpoints
//   follow, is controller-leadership.ts.
import { namespaceOf } from '../model/namespace-of.ts';
import type { EndpointSlice, KubeObject, Lease, LoadBalancerIngress, Namespace, Service } from '../model/types.ts';
import { objectKey } from '../model/types.ts';
import type { LeaderState, Store } from '../store/store.ts';
import { createClusterIpAllocator } from './cluster-ip-allocator.ts';
import { clientView } from './client-view.ts';
import type { AdmissionCheck, ChangeNotice, ControlPlaneApi, ReadinessSource } from './control-plane-api.ts';
import { createControllerLeadership } from './controller-leadership.ts';
import { LEASE_NAMESPACE } from './controller-lease.ts';
import { createDiscoveredPodOverlay, type DiscoveredPod, type DiscoverySyncResult } from './discovered-pods.ts';
import { createEndpointRefresh } from './endpoint-refresh.ts';
import { createEndpointViews, serviceKey, type NameAddresses } from './endpoint-views.ts';
import { createEventLog } from './event-log.ts';
import { eventReference } from './event-reference.ts';
import { createInputFollower } from './input-follower.ts';
import { openInputInbox } from './input-inbox.ts';
import { createNamespaceWrites } from './namespace-writes.ts';
import { createNodePortAllocator } from './node-port-allocator.ts';
import { createObjectIndex } from './object-index.ts';
import { createObjectWrites } from './object-writes.ts';
import { createPublishFlush } from './publish-flush.ts';
import { createPublishedCache } from './published-cache.ts';
import { createPublishedReadiness } from './published-readiness.ts';
import { createPublisher } from './publisher.ts';
import { publishedReadinessTargets } from './readiness-targets.ts';
import { restoreStoredObjects } from './restore-stored-objects.ts';
import { releaseService, reserveHeld } from './service-allocations.ts';
import { startWatch } from './watch-feed.ts';
import { createWriteCommit } from './write-commit.ts';
import { createWriteQueue } from './write-queue.ts';

export interface RegistryOptions {
  store: Store;
  serviceCidr?: string;
  /** ClusterIPs automatic allocation leaves alone (the built-in kube-dns's). */
  reservedClusterIPs?: string[];
  nodePortRange?: string;
  clock?: () => number;
  readiness?: ReadinessSource;
  /** Events kept (default 1000). */
  eventCapacity?: number;
  /** Told when publishing server-side changes failed (they are retried). */
  log?: (message: string) => void;
  /**
   * With a store several instances share: whether this instance starts as the controllers' leader
   * (true without leader election: every instance then runs them). Changed with setLeading().
   */
  leading?: boolean;
}

export interface Registry extends ControlPlaneApi {
  /** Every slice feeding that Service: generated, mirrored from manual Endpoints, or applied. */
  serviceSlices(namespace: string, name: string): EndpointSlice[];
  /** The same slices without the health loop's verdicts on manual endpoints (what the health loop probes). */
  declaredServiceSlices(namespace: string, name: string): EndpointSlice[];
  /**
   * Re-evaluates Pod and manual endpoint readiness (and resolved FQDN names) and recomputes the
   * endpoints of those Services (`namespace/name`), or of every Service when undefined (called by
   * the health loop and the FQDN resolver).
   */
  readinessChanged(services?: string[]): void;
  /** Replaces the readiness source (the health loop is created after the registry it reads). */
  setReadiness(source: ReadinessSource | undefined): void;
  /**
   * The admission check (control-plane-api.ts) of every create and update: the data plane refuses
   * there what it could not serve, e.g. a Service needing more listeners than the descriptor budget
   * allows.
   */
  setAdmission(check: AdmissionCheck | undefined): void;
  /**
   * Replaces the Pods a discovery source (e.g. `docker`) reports. They are validated like applied
   * Pods, never stored, and refused to clients' apply and delete; resolves once endpoints follow.
   */
  syncDiscoveredPods(source: string, pods: DiscoveredPod[]): Promise<DiscoverySyncResult>;
  /**
   * What the names of FQDN slices resolve to (the FQDN resolver, created after the registry);
   * it calls readinessChanged() for the Services whose names' addresses changed.
   */
  setNameAddresses(source: NameAddresses | undefined): void;
  /** status.loadBalancer.ingress, written by the data plane once it bound the addresses. */
  setLoadBalancerIngress(namespace: string, name: string, ingress: LoadBalancerIngress[]): void;
  /** Resolves once every server-side change made so far is published. */
  flushed(): Promise<void>;
  /**
   * This instance became (true) or stopped being (false) the leader that runs the controllers:
   * computes and publishes Endpoints, EndpointSlices and readiness. Followers compute endpoints for
   * their own data plane from what the leader published.
   */
  setLeading(leading: boolean): void;
  leading(): boolean;
  /**
   * The controllers' election as this instance sees it: while it leads, published as the Lease
   * `kube-system/NAME` (controller-lease.ts). Call it before setLeading(true) and on every renewal.
   */
  setLeaderLease(name: string, state: LeaderState | undefined): void;
  /** Waits for queued writes, then closes the store. */
  close(): Promise<void>;
}

export async function createRegistry(opts: RegistryOptions): Promise<Registry> {
  const { store } = opts;
  const clock = opts.clock ?? Date.now;
  const log = opts.log ?? (() => {});
  const shared = store.shared;
  const ips = createClusterIpAllocator(opts.serviceCidr, opts.reservedClusterIPs);
  const ports = createNodePortAllocator(opts.nodePortRange);
  const events = createEventLog({ capacity: opts.eventCapacity, clock });
  const index = createObjectIndex();
  const declaredNamespaces = new Map<string, Namespace>();
  let admission: AdmissionCheck | undefined;
  let nameAddresses: NameAddresses | undefined;
  const discovered = createDiscoveredPodOverlay({ index, events, clock });
  const cache = await createPublishedCache(store);
  const leadership = createControllerLeadership({
    leading: opts.leading ?? true,
    elected: shared !== undefined && opts.leading !== undefined,
    readiness: opts.readiness,
    published: shared ? createPublishedReadiness(cache) : undefined,
    isDiscovered: (ns, name) => discovered.isDiscovered(ns, name),
    publishedLease: (ns, name) => cache.get('Lease', ns, name) as Lease | undefined,
  });
  const views = createEndpointViews(index, leadership.podReady, leadership.endpointReady, (name) => nameAddresses?.(name));
  const ingress = new Map<string, LoadBalancerIngress[]>();
  const forgetIngress = (svc: Service) => ingress.delete(serviceKey(namespaceOf(svc.metadata), svc.metadata.name ?? ''));
  const subscribers = new Set<(notice: ChangeNotice) => void>();
  const writes = createWriteQueue();
  let closed = false;

  const notify = (services: string[]) => {
    if (services.length === 0) return;
    const notice: ChangeNotice = { services: [...new Set(services)].sort() };
    for (const fn of subscribers) {
      try { fn(notice); } catch { /* one subscriber's bug must not stop the others */ }
    }
  };

  const inbox = shared ? openInputInbox(shared, (svc) => reserveHeld(ips, ports, svc)) : undefined;
  const declared = await restoreStoredObjects(store, { index, ips, ports, events });
  for (const ns of declared.namespaces) declaredNamespaces.set(ns.metadata.name ?? '', ns);
  events.restore(cache.list('Event') as never);
  for (const ns of index.namespaces()) views.recompute(ns);

  const viewSources = { ingress: (ns: string, name: string) => ingress.get(serviceKey(ns, name)), isReady: leadership.podReady };
  const view = <T extends KubeObject>(obj: T): T => clientView(obj, viewSources);
  const publisher = createPublisher({
    index, views, cache, events, declaredNamespaces, view, clock,
    controllers: leadership.leading,
    // Discovered Pods belong to the instance that discovered them; a shared store never sees them.
    localOnly: shared ? (ns, name) => discovered.isDiscovered(ns, name) : undefined,
    lease: leadership.lease,
  });
  const flusher = createPublishFlush({ publisher, store, writes, log, fenced: leadership.fenced, fencedOut: () => stepDown() });
  const refresh = createEndpointRefresh({ index, views, publisher, notify, schedule: () => flusher.schedule() });
  function stepDown() {
    if (!leadership.stepDown()) return;
    log('this instance lost the leader lease while writing; the new leader publishes endpoints');
    refresh.all();
  }
  if (inbox) {
    const follower = createInputFollower({
      index, ips, ports, views, publisher, declaredNamespaces, notify, released: forgetIngress, schedule: () => flusher.schedule(),
    });
    inbox.deliverTo((changes) => {
      void writes.run(async () => follower.apply(changes)).catch((err) => log(`following the shared store failed: ${(err as Error).message}`));
    });
  }
  // The leader's verdicts reach a follower as published Pods and EndpointSlices.
  const unwatchReadiness = shared ? store.onChange((changes) => {
    if (leadership.leading()) return;
    const targets = publishedReadinessTargets(changes, index);
    if (targets.slices) leadership.publishedSlicesChanged();
    if (targets.services.length > 0) queueMicrotask(() => refresh.readiness(targets.services));
  }) : undefined;
  // Start-up: bring the published objects in line with the declared ones (nothing when unchanged).
  // A follower leaves that to the leader, who marks everything when it takes over.
  if (leadership.leading()) publisher.markAll();
  await writes.run(flusher.flush);

  const commitWrite = createWriteCommit({ store, cache, publisher, fenced: leadership.fenced, fencedOut: stepDown });
  const released = (svc: Service) => {
    releaseService(ips, ports, svc);
    forgetIngress(svc);
  };
  const namespaces = createNamespaceWrites({ index, views, cache, publisher, declaredNamespaces, clock, commitWrite, notify, released });
  const objects = createObjectWrites({
    index, views, cache, publisher, discovered, declaredNamespaces, namespaces, ips, ports, clock, view, commitWrite, notify, released,
    shared: shared?.location,
    admission: () => admission,
  });

  return {
    apply: (raw, o = {}) => writes.run(() => objects.apply(raw, o)),
    patch: (kind, ns, name, type, patch, o = {}) => writes.run(() => objects.patch(kind, ns, name, type, patch, o)),
    delete: (kind, ns, name, o = {}) => writes.run(() => objects.delete(kind, ns, name, o)),
    get: (kind, ns, name) => {
      const o = cache.get(kind, ns, name);
      return o ? structuredClone(o) as KubeObject : undefined;
    },
    list: (kind, ns) => cache.list(kind, ns).map((o) => structuredClone(o) as KubeObject),
    published: {
      get: (kind, ns, name) => cache.get(kind, ns, name),
      list: (kind, ns) => cache.list(kind, ns),
      revision: () => cache.revision(),
    },
    watch: (start, sink) => startWatch(store, cache, start, sink),
    events: (filter) => events.list(filter),
    recordEvent: (involved, type, reason, message, component) => {
      events.record(eventReference(involved, cache.get), type, reason, message, component);
      flusher.schedule();
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => { subscribers.delete(fn); };
    },
    serviceSlices(namespace, name) {
      return structuredClone(views.get(namespace, name)?.slices ?? []);
    },
    declaredServiceSlices(namespace, name) {
      return structuredClone(views.get(namespace, name)?.declared ?? []);
    },
    syncDiscoveredPods(source, pods) {
      return writes.run(async () => {
        const result = discovered.sync(source, pods);
        const services = refresh.discovered(result.changed);
        // Published (and numbered by the store) like any change before the call resolves.
        await flusher.flush();
        notify(services);
        return result;
      });
    },
    readinessChanged: (services) => refresh.readiness(services),
    setLeading(next) {
      if (!leadership.setLeading(next)) return;
      // A new leader publishes everything the controllers compute (what the old one left behind
      // included); a follower's endpoints follow the published readiness from now on.
      refresh.all();
      if (leadership.leading()) {
        publisher.markAll();
        flusher.schedule();
      }
    },
    leading: leadership.leading,
    setLeaderLease(name, state) {
      leadership.setLease(name, state);
      publisher.markObject(objectKey('Lease', LEASE_NAMESPACE, name));
      flusher.schedule();
    },
    setReadiness: leadership.setReadiness,
    setAdmission(check) {
      admission = check;
    },
    setNameAddresses(source) {
      nameAddresses = source;
    },
    setLoadBalancerIngress(namespace, name, list) {
      if (!index.get('Service', namespace, name)) return;
      if (list.length) ingress.set(serviceKey(namespace, name), structuredClone(list));
      else ingress.delete(serviceKey(namespace, name));
      publisher.markObject(objectKey('Service', namespace, name));
      flusher.schedule();
    },
    flushed: () => flusher.flushed(),
    async close() {
      if (closed) return;
      await flusher.flushed().catch(() => undefined);
      closed = true;
      flusher.close();
      await writes.close();
      inbox?.close();
      unwatchReadiness?.();
      subscribers.clear();
      cache.close();
      await store.close();
    },
  };
}
