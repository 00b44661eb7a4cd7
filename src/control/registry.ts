// The API server of switchyard: validates, defaults and allocates applied objects, stores them
// durably, keeps the controllers' endpoints up to date and tells subscribers which Services
// changed. Main thread only.
//
// Writes (apply, delete) go through one queue (write-queue.ts), so concurrent API calls never
// interleave between validation, allocation and commit. Memory is updated only after the store
// commit resolved, so what get/list show (registry-reads.ts) is always on disk. Start-up restores
// the stored objects and their allocations (restore-stored-objects.ts).
//
// Generated Endpoints/EndpointSlices (selector Services) and mirrored slices (manual Endpoints of
// selector-less Services) are computed, never stored (endpoint-views.ts). An Endpoints object
// applied for a Service that has a selector is stored, but get/list show the controller's
// computed one, as in Kubernetes where the controller overwrites it. Service `status` is owned by
// the server (setLoadBalancerIngress) and kept in memory only; the data plane rewrites it at start.
// Pods a discovery source reports (Docker containers) are an overlay on the same index, never
// stored and read-only through the API (discovered-pods.ts).
import { randomUUID } from 'node:crypto';
import { prepareObject, resourceName } from '../config/prepare-object.ts';
import { validateServiceUpdate } from '../config/validate-service-update.ts';
import { isSyCode } from '../model/error-codes.ts';
import { ApiError, badRequest, invalidError, notFoundError } from '../model/api-error.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { podConditionReady } from '../model/pod-ready.ts';
import type { EndpointSlice, KindName, KubeObject, LoadBalancerIngress, Pod, Service } from '../model/types.ts';
import { KINDS, objectKey } from '../model/types.ts';
import type { Store } from '../store/store.ts';
import { createClusterIpAllocator } from './cluster-ip-allocator.ts';
import { createDiscoveredPodOverlay, type DiscoveredPod, type DiscoverySyncResult } from './discovered-pods.ts';
import type { ApplyOptions, ApplyResult, ChangeNotice, ControlPlaneApi, ReadinessSource } from './control-plane-api.ts';
import { clientView } from './client-view.ts';
import { affectedServices, createEndpointViews, serviceKey, type NameAddresses } from './endpoint-views.ts';
import { createEventLog, rfc3339 } from './event-log.ts';
import { createNodePortAllocator } from './node-port-allocator.ts';
import { createObjectIndex } from './object-index.ts';
import { createRegistryReads } from './registry-reads.ts';
import { restoreStoredObjects } from './restore-stored-objects.ts';
import { sameContent } from './same-content.ts';
import { allocateService, keepAllocations, releaseService, type ServiceAllocation } from './service-allocations.ts';
import { createWriteQueue } from './write-queue.ts';

export interface RegistryOptions {
  store: Store;
  serviceCidr?: string;
  /** ClusterIPs automatic allocation leaves alone (the built-in kube-dns's). */
  reservedClusterIPs?: string[];
  nodePortRange?: string;
  clock?: () => number;
  readiness?: ReadinessSource;
  /** Events kept in memory (default 1000). */
  eventCapacity?: number;
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
  /** Waits for queued writes, then closes the store. */
  close(): Promise<void>;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 characters, as the apiserver's name generator does. */
function generatedName(prefix: string): string {
  let s = prefix;
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

function storeFailure(err: unknown): ApiError {
  const code = (err as { code?: unknown }).code;
  return new ApiError(500, 'InternalError', isSyCode(code) ? code : 'SY_STORE_WRITE',
    `Internal error occurred: the change was not saved: ${(err as Error).message}`);
}

export async function createRegistry(opts: RegistryOptions): Promise<Registry> {
  const { store } = opts;
  const clock = opts.clock ?? Date.now;
  const ips = createClusterIpAllocator(opts.serviceCidr, opts.reservedClusterIPs);
  const ports = createNodePortAllocator(opts.nodePortRange);
  const events = createEventLog({ capacity: opts.eventCapacity, clock });
  const index = createObjectIndex();
  let readiness = opts.readiness;
  let resourceVersion = 0;
  const discovered = createDiscoveredPodOverlay({ index, events, clock, nextResourceVersion: () => String(++resourceVersion) });
  // A discovered Pod's own Ready condition is its engine's verdict (a Docker HEALTHCHECK), not an
  // author's declaration: a readinessProbe adds to it instead of replacing it.
  const isReady = (pod: Pod) => (discovered.isDiscovered(namespaceOf(pod.metadata), pod.metadata.name ?? '')
    ? podConditionReady(pod) && (readiness?.podReady(pod) ?? true)
    : readiness?.podReady(pod) ?? podConditionReady(pod));
  let nameAddresses: NameAddresses | undefined;
  const views = createEndpointViews(index, isReady, (ip, port) => readiness?.endpointReady?.(ip, port), (name) => nameAddresses?.(name));
  const ingress = new Map<string, LoadBalancerIngress[]>();
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

  resourceVersion = await restoreStoredObjects(store, { index, ips, ports, events });
  for (const ns of index.namespaces()) views.recompute(ns);

  const viewSources = { ingress: (ns: string, name: string) => ingress.get(serviceKey(ns, name)), isReady };
  const view = <T extends KubeObject>(obj: T): T => clientView(obj, viewSources);
  const { get, list } = createRegistryReads(index, views, view);

  async function apply(raw: unknown, o: ApplyOptions = {}): Promise<ApplyResult> {
    const prepared = prepareObject(raw);
    if (prepared.status === 'invalid') {
      throw invalidError(prepared.kind, prepared.name, prepared.errors, prepared.kind === 'EndpointSlice' ? 'discovery.k8s.io' : '');
    }
    if (prepared.status === 'skipped') {
      throw badRequest('SY_KIND_NOT_SERVED', `${resourceName(prepared.kind, prepared.apiVersion)}/${prepared.name} skipped: ${prepared.reason}`);
    }
    const obj = prepared.object;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generatedName(obj.metadata.generateName);
    const ns = namespaceOf(obj.metadata);
    const name = obj.metadata.name ?? '';
    const resource = KINDS[obj.kind].resource;
    return writes.run(async () => {
      const readOnly = discovered.readOnlyError(obj.kind, ns, name);
      if (readOnly) throw readOnly;
      const prev = index.get(obj.kind, ns, name);
      if (o.mode === 'create' && prev) {
        throw new ApiError(409, 'AlreadyExists', 'SY_ALREADY_EXISTS', `${resource} "${name}" already exists`, { name, kind: resource });
      }
      let alloc: ServiceAllocation | undefined;
      if (obj.kind === 'Service') {
        delete obj.status;
        const prevSvc = prev as Service | undefined;
        if (prevSvc) {
          keepAllocations(obj, prevSvc);
          const errs = validateServiceUpdate(obj, prevSvc);
          if (errs.length) throw invalidError('Service', name, errs);
        }
        alloc = allocateService(ips, ports, obj, prevSvc);
      }
      try {
        if (prev && sameContent(obj, prev)) {
          alloc?.undo();
          return { outcome: 'unchanged', object: view(prev) };
        }
        const meta = obj.metadata;
        meta.namespace = ns;
        meta.uid = prev?.metadata.uid ?? randomUUID();
        meta.creationTimestamp = prev?.metadata.creationTimestamp ?? rfc3339(clock());
        // Like the apiserver, generation counts changes of the desired state, not of metadata.
        const bodyChanged = !prev || !sameContent({ ...obj, metadata: {} }, { ...prev, metadata: {} });
        meta.generation = (prev?.metadata.generation ?? 0) + (bodyChanged ? 1 : 0);
        meta.resourceVersion = String(resourceVersion + 1);
        if (o.dryRun) {
          alloc?.undo();
          return { outcome: prev ? 'configured' : 'created', object: view(obj) };
        }
        try {
          await store.commit([{ op: 'put', key: objectKey(obj.kind, ns, name), object: obj }]);
        } catch (err) {
          throw storeFailure(err);
        }
      } catch (err) {
        alloc?.undo();
        throw err;
      }
      resourceVersion++;
      alloc?.settle();
      index.put(obj);
      notify(views.recompute(ns, affectedServices(index, ns, [prev, obj])));
      return { outcome: prev ? 'configured' : 'created', object: view(obj) };
    });
  }

  async function del(kind: KindName, namespace: string, name: string, o: { dryRun?: boolean } = {}): Promise<KubeObject> {
    return writes.run(async () => {
      const readOnly = discovered.readOnlyError(kind, namespace, name);
      if (readOnly) throw readOnly;
      const prev = index.get(kind, namespace, name);
      if (!prev) {
        // A controller-generated object: deleting it is a no-op, the controller would recreate it at once.
        const computed = kind === 'Endpoints' || kind === 'EndpointSlice' ? get(kind, namespace, name) : undefined;
        if (computed) return computed;
        throw notFoundError(KINDS[kind]?.resource ?? kind, name);
      }
      const shown = view(prev);
      if (o.dryRun) return shown;
      try {
        await store.commit([{ op: 'delete', key: objectKey(kind, namespace, name) }]);
      } catch (err) {
        throw storeFailure(err);
      }
      index.remove(kind, namespace, name);
      if (prev.kind === 'Service') {
        releaseService(ips, ports, prev);
        ingress.delete(serviceKey(namespace, name));
      }
      notify(views.recompute(namespace, affectedServices(index, namespace, [prev])));
      return shown;
    });
  }

  return {
    apply,
    delete: del,
    get,
    list,
    events: (filter) => events.list(filter),
    recordEvent: (involved, type, reason, message, component) => { events.record(involved, type, reason, message, component); },
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
        const services: string[] = [];
        for (const c of result.changed) services.push(...views.recompute(c.namespace, affectedServices(index, c.namespace, c.objects)));
        notify(services);
        return result;
      });
    },
    readinessChanged(services) {
      const changed: string[] = [];
      if (services === undefined) {
        for (const ns of index.namespaces()) changed.push(...views.recompute(ns));
      } else {
        const byNs = new Map<string, Set<string>>();
        for (const key of services) {
          const slash = key.indexOf('/');
          const ns = key.slice(0, slash);
          byNs.set(ns, (byNs.get(ns) ?? new Set()).add(key.slice(slash + 1)));
        }
        for (const [ns, names] of byNs) changed.push(...views.recompute(ns, names));
      }
      notify(changed);
    },
    setReadiness(source) {
      readiness = source;
    },
    setNameAddresses(source) {
      nameAddresses = source;
    },
    setLoadBalancerIngress(namespace, name, list) {
      if (!index.get('Service', namespace, name)) return;
      if (list.length) ingress.set(serviceKey(namespace, name), structuredClone(list));
      else ingress.delete(serviceKey(namespace, name));
    },
    async close() {
      if (closed) return;
      closed = true;
      await writes.close();
      subscribers.clear();
      await store.close();
    },
  };
}
