// The API server of switchyard: validates, defaults and allocates applied objects, stores them
// durably, keeps the controllers' endpoints up to date, publishes every object as clients read it
// and tells subscribers which Services changed. Main thread only.
//
// Writes (apply, patch, delete, and the publisher's flushes) go through one queue
// (write-queue.ts), so concurrent API calls never interleave between validation, allocation and
// commit. A user write is one store commit: the declared object plus every published object it
// changes (the object itself, its Service's Endpoints and EndpointSlices, its namespace), each
// numbered by the store. Changes that come from the server itself (readiness from the health loop,
// load-balancer status from the data plane, events) are marked and published by a flush one turn
// of the event loop later, coalesced. What get/list/watch show is the published state
// (published-cache.ts), always on disk.
//
// Generated Endpoints/EndpointSlices (selector Services) and mirrored slices (manual Endpoints of
// selector-less Services) are computed (endpoint-views.ts) and published, never declared. An
// Endpoints object applied for a Service that has a selector is stored, but the controller's
// computed one is what is published, as in Kubernetes where the controller overwrites it.
// Pods a discovery source reports (Docker containers) are an overlay on the same index, never
// declared (stored) and read-only through the API (discovered-pods.ts); they are published like
// any Pod.
import { randomUUID } from 'node:crypto';
import { prepareObject, resourceName } from '../config/prepare-object.ts';
import { validateServiceUpdate } from '../config/validate-service-update.ts';
import { isSyCode } from '../model/error-codes.ts';
import { ApiError, badRequest, conflictError, invalidError, notFoundError } from '../model/api-error.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { truncateForMessage } from '../model/truncate.ts';
import { podConditionReady } from '../model/pod-ready.ts';
import type { ApiKindName, ApiObject, EndpointSlice, KindName, KubeObject, Lease, LoadBalancerIngress, Namespace, Pod, Service } from '../model/types.ts';
import { KINDS, objectKey } from '../model/types.ts';
import type { InputChange, LeaderState, Store, StoreChange, StoreOp } from '../store/store.ts';
import { ClaimConflictError } from '../store/etcd-store.ts';
import { resourceOfKind } from '../api/api-resources.ts';
import { claimOps, parseClaim } from './allocation-claims.ts';
import { createInputFollower } from './input-follower.ts';
import { createPublishedReadiness, type PublishedReadiness } from './published-readiness.ts';
import { controllerLease, LEASE_NAMESPACE } from './controller-lease.ts';
import { createClusterIpAllocator } from './cluster-ip-allocator.ts';
import { createDiscoveredPodOverlay, type DiscoveredPod, type DiscoverySyncResult } from './discovered-pods.ts';
import type { ApplyOptions, ApplyResult, ChangeNotice, ControlPlaneApi, DeleteOptions, PatchOptions, PatchType, ReadinessSource } from './control-plane-api.ts';
import { clientView } from './client-view.ts';
import { affectedServices, createEndpointViews, serviceKey, type NameAddresses } from './endpoint-views.ts';
import { createEventLog, rfc3339 } from './event-log.ts';
import { updateManagedFields } from './managed-fields.ts';
import { checkFieldValidation } from './field-validation.ts';
import { checkPreconditions, createNamespaceWrites } from './namespace-writes.ts';
import { createNodePortAllocator } from './node-port-allocator.ts';
import { createObjectIndex } from './object-index.ts';
import { patchTarget } from './patch-object.ts';
import { createPublishFlush } from './publish-flush.ts';
import { createPublisher } from './publisher.ts';
import { createPublishedCache } from './published-cache.ts';
import { restoreStoredObjects } from './restore-stored-objects.ts';
import { sameContent } from './same-content.ts';
import { allocateService, heldClusterIp, keepAllocations, releaseService, type ServiceAllocation } from './service-allocations.ts';
import { heldNodePorts } from './node-port-allocator.ts';
import { startWatch } from './watch-feed.ts';
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
   * A check every create or update must pass after validation and allocation, before it is stored
   * (dry runs included): the data plane refuses there what it could not serve, e.g. a Service
   * needing more listeners than the descriptor budget allows. Throws an ApiError to refuse.
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

/** Allocation attempts when other instances keep taking the addresses or ports offered. */
const MAX_ALLOCATION_ATTEMPTS = 32;

/** An allocation lost to another instance: allocate again (inside applyLocked). */
class RetryAllocation extends Error {
  readonly claimed: string[];
  constructor(claimed: string[]) {
    super('allocation lost to another instance');
    this.claimed = claimed;
  }
}

/** `next` as it would be stored (defaulted, allocations filled in) and the stored version, if any. */
export type AdmissionCheck = (next: KubeObject, prev: KubeObject | undefined) => void;

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 characters, as the apiserver's name generator does. */
function generatedName(prefix: string): string {
  let s = prefix;
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

const resourceOf = (kind: ApiKindName) => resourceOfKind(kind).resource;
const groupOf = (kind: ApiKindName) => resourceOfKind(kind).group;
/** Events and Leases are the server's own record: the API reads them, never writes them. */
function assertWritable(kind: ApiKindName, verb: 'delete' | 'patch'): asserts kind is Exclude<ApiKindName, 'Event' | 'Lease'> {
  if (!resourceOfKind(kind).verbs.includes(verb)) {
    throw new ApiError(405, 'MethodNotAllowed', 'SY_METHOD_NOT_ALLOWED', `${verb} is not supported on resources of kind "${resourceOf(kind)}"`);
  }
}

function storeFailure(err: unknown, kind: ApiKindName, name: string): ApiError {
  const code = (err as { code?: unknown }).code;
  if (code === 'SY_STORE_CONFLICT') {
    return conflictError(resourceOf(kind), name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  return new ApiError(500, 'InternalError', isSyCode(code) ? code : 'SY_STORE_WRITE',
    `Internal error occurred: the change was not saved: ${(err as Error).message}`);
}

export async function createRegistry(opts: RegistryOptions): Promise<Registry> {
  const { store } = opts;
  const clock = opts.clock ?? Date.now;
  const log = opts.log ?? (() => {});
  const shared = store.shared;
  let leading = opts.leading ?? true;
  const ips = createClusterIpAllocator(opts.serviceCidr, opts.reservedClusterIPs);
  const ports = createNodePortAllocator(opts.nodePortRange);
  const events = createEventLog({ capacity: opts.eventCapacity, clock });
  const index = createObjectIndex();
  const declaredNamespaces = new Map<string, Namespace>();
  let readiness = opts.readiness;
  let admission: AdmissionCheck | undefined;
  const discovered = createDiscoveredPodOverlay({ index, events, clock });
  // A discovered Pod's own Ready condition is its engine's verdict (a Docker HEALTHCHECK), not an
  // author's declaration: a readinessProbe adds to it instead of replacing it.
  // A follower takes readiness from what the leader published (published-readiness.ts), and so
  // does a leader until its health loop is set: it continues from the last leader's verdicts.
  let followerReadiness: PublishedReadiness | undefined;
  let leaderLease: { name: string; state: LeaderState } | undefined;
  const activeReadiness = (): ReadinessSource | undefined => (leading ? readiness ?? followerReadiness : followerReadiness);
  const isReady = (pod: Pod) => (discovered.isDiscovered(namespaceOf(pod.metadata), pod.metadata.name ?? '')
    ? podConditionReady(pod) && (readiness?.podReady(pod) ?? true)
    : activeReadiness()?.podReady(pod) ?? podConditionReady(pod));
  let nameAddresses: NameAddresses | undefined;
  const views = createEndpointViews(index, isReady, (ip, port) => activeReadiness()?.endpointReady?.(ip, port), (name) => nameAddresses?.(name));
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

  const reserveHeld = (svc: Service) => {
    const ip = heldClusterIp(svc);
    if (ip) ips.allocate(ip);
    for (const p of heldNodePorts(svc)) ports.allocate(p);
  };
  const cache = await createPublishedCache(store);
  if (shared) followerReadiness = createPublishedReadiness(cache);
  // Other instances' declared changes (and this one's, seen again): subscribed before the load so
  // that nothing committed in between is missed; applied inside the write queue, between writes.
  let following: ((changes: InputChange[]) => void) | undefined;
  const pendingInputs: InputChange[][] = [];
  const unfollow = shared?.onInputChange((changes) => {
    // Another instance's allocations are kept from this one's allocator at once, not after the
    // writes queued before them: a burst of creates would otherwise keep offering taken addresses.
    for (const c of changes) if (c.object?.kind === 'Service') reserveHeld(c.object);
    if (following) following(changes); else pendingInputs.push(changes);
  });
  const declared = await restoreStoredObjects(store, { index, ips, ports, events });
  for (const ns of declared.namespaces) declaredNamespaces.set(ns.metadata.name ?? '', ns);
  events.restore(cache.list('Event') as never);
  for (const ns of index.namespaces()) views.recompute(ns);

  const viewSources = { ingress: (ns: string, name: string) => ingress.get(serviceKey(ns, name)), isReady };
  const view = <T extends KubeObject>(obj: T): T => clientView(obj, viewSources);
  const publisher = createPublisher({
    index, views, cache, events, declaredNamespaces, view, clock,
    controllers: () => leading,
    // Discovered Pods belong to the instance that discovered them; a shared store never sees them.
    localOnly: shared ? (ns, name) => discovered.isDiscovered(ns, name) : undefined,
    lease: (ns, name) => (ns === LEASE_NAMESPACE && leaderLease?.name === name
      ? controllerLease(name, leaderLease.state, cache.get('Lease', ns, name) as Lease | undefined) : undefined),
  });
  const fenced = () => shared !== undefined && leading && opts.leading !== undefined;

  const flusher = createPublishFlush({ publisher, store, writes, log, fenced, fencedOut: () => stepDown() });
  function stepDown() {
    if (!leading || !fenced()) return;
    log('this instance lost the leader lease while writing; the new leader publishes endpoints');
    leading = false;
    recomputeAll();
  }
  function recomputeAll() {
    const changed: string[] = [];
    for (const ns of index.namespaces()) changed.push(...views.recompute(ns));
    notify(changed);
  }
  const follower = shared ? createInputFollower({ index, ips, ports, views, publisher, declaredNamespaces, notify, released: (svc) => ingress.delete(serviceKey(namespaceOf(svc.metadata), svc.metadata.name ?? '')), schedule: () => flusher.schedule() }) : undefined;
  if (follower) {
    following = (changes) => { void writes.run(async () => follower.apply(changes)).catch((err) => log(`following the shared store failed: ${(err as Error).message}`)); };
    for (const p of pendingInputs.splice(0)) following(p);
  }
  // The leader's verdicts reach a follower as published Pods and EndpointSlices.
  const unwatchReadiness = shared ? store.onChange((changes) => {
    if (leading) return;
    const services = new Set<string>();
    for (const c of changes) {
      if (c.key.startsWith('EndpointSlice/')) {
        followerReadiness?.invalidate();
        const svc = c.object.metadata.labels?.['kubernetes.io/service-name'];
        if (svc) services.add(`${namespaceOf(c.object.metadata)}/${svc}`);
      } else if (c.key.startsWith('Pod/')) {
        const ns = namespaceOf(c.object.metadata);
        for (const n of affectedServices(index, ns, [index.get('Pod', ns, c.object.metadata.name ?? '')])) services.add(`${ns}/${n}`);
      }
    }
    if (services.size > 0) queueMicrotask(() => readinessChangedNow([...services]));
  }) : undefined;
  // Start-up: bring the published objects in line with the declared ones (nothing when unchanged).
  // A follower leaves that to the leader, who marks everything when it takes over.
  if (leading) publisher.markAll();
  await writes.run(flusher.flush);

  /** Commits `input` ops plus every published change marked so far; reverts with `undo` on failure. */
  async function commitWrite(input: StoreOp[], kind: ApiKindName, name: string, ownKey: string, undo: () => void): Promise<StoreChange[]> {
    for (let attempt = 0; ; attempt++) {
      const { ops, marks } = publisher.take();
      const seen = cache.getKey(ownKey);
      for (const o of ops) {
        // The store refuses the write if another writer changed this object since it was read.
        if ((o.op === 'publish' || o.op === 'unpublish') && o.key === ownKey) o.expectRevision = seen ? Number(seen.metadata.resourceVersion) : 0;
      }
      try {
        return await store.commit([...input, ...ops], { fenced: fenced() });
      } catch (err) {
        publisher.remark(marks);
        // Deposed while writing: the user's change goes on without the controllers' part.
        if ((err as { code?: string }).code === 'SY_STORE_FENCED' && attempt === 0) { stepDown(); continue; }
        undo();
        if (err instanceof ClaimConflictError) throw new RetryAllocation(err.claimed);
        throw storeFailure(err, kind, name);
      }
    }
  }

  const published = (kind: ApiKindName, ns: string, name: string): ApiObject | undefined =>
    cache.get(kind, kind === 'Namespace' ? '' : ns, name);

  const namespaces = createNamespaceWrites({
    index, views, cache, publisher, declaredNamespaces, clock, commitWrite, notify,
    released(svc) {
      releaseService(ips, ports, svc);
      ingress.delete(serviceKey(namespaceOf(svc.metadata), svc.metadata.name ?? ''));
    },
  });

  /** apply() inside the write queue: validate, default, allocate, commit, publish. */
  async function applyLocked(raw: unknown, o: ApplyOptions & { managedByApply?: boolean }): Promise<ApplyResult> {
    const warnings = checkFieldValidation(raw, o.fieldValidation);
    let result: ApplyResult;
    for (let attempt = 1; ; attempt++) {
      try {
        result = await applyChecked(structuredClone(raw), o);
        break;
      } catch (err) {
        if (!(err instanceof RetryAllocation)) throw err;
        // Another instance holds these: never offer them again, and allocate anew. (After the
        // failed attempt gave its own reservations back, so these stay taken.)
        for (const k of err.claimed) {
          const c = parseClaim(k);
          if (c && 'ip' in c) ips.allocate(c.ip);
          else if (c) ports.allocate(c.port);
        }
        if (attempt >= MAX_ALLOCATION_ATTEMPTS) throw storeFailure(new ClaimConflictError(shared?.location ?? 'store', []), 'Service', '');
      }
    }
    return warnings.length > 0 ? { ...result, warnings } : result;
  }

  async function applyChecked(raw: unknown, o: ApplyOptions & { managedByApply?: boolean }): Promise<ApplyResult> {
    if (raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'Namespace' && (raw as { apiVersion?: unknown }).apiVersion === 'v1') {
      return namespaces.apply(raw, o);
    }
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
    const readOnly = discovered.readOnlyError(obj.kind, ns, name);
    if (readOnly) throw readOnly;
    const key = objectKey(obj.kind, ns, name);
    const prev = index.get(obj.kind, ns, name);
    const current = published(obj.kind, ns, name);
    if (o.mode === 'create' && (prev || current)) {
      const shown = truncateForMessage(name);
      throw new ApiError(409, 'AlreadyExists', 'SY_ALREADY_EXISTS', `${resource} "${shown}" already exists`, { name: shown, group: groupOf(obj.kind), kind: resource });
    }
    const wantedVersion = obj.metadata.resourceVersion;
    if (wantedVersion && current && wantedVersion !== current.metadata.resourceVersion) {
      throw conflictError(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    delete obj.metadata.resourceVersion;
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
      const meta = obj.metadata;
      meta.namespace = ns;
      meta.uid = prev?.metadata.uid ?? current?.metadata.uid ?? randomUUID();
      meta.creationTimestamp = prev?.metadata.creationTimestamp ?? current?.metadata.creationTimestamp ?? rfc3339(clock());
      // A server-side apply computed managedFields itself; any other write records what it changed.
      if (!o.managedByApply) meta.managedFields = updateManagedFields(prev ?? current, obj, o.fieldManager, clock(), meta.managedFields);
      if (prev && sameContent(obj, prev)) {
        alloc?.undo();
        return { outcome: 'unchanged', object: structuredClone(current ?? view(prev)) };
      }
      admission?.(obj, prev);
      // Like the apiserver, generation counts changes of the desired state, not of metadata.
      const bodyChanged = !prev || !sameContent({ ...obj, metadata: {} }, { ...prev, metadata: {} });
      meta.generation = (prev?.metadata.generation ?? 0) + (bodyChanged ? 1 : 0);
      if (o.dryRun) {
        alloc?.undo();
        const shown = view(obj) as KubeObject;
        if (current) shown.metadata.resourceVersion = current.metadata.resourceVersion;
        return { outcome: prev ? 'configured' : 'created', object: shown };
      }
      index.put(obj);
      const changed = views.recompute(ns, affectedServices(index, ns, [prev, obj]));
      publisher.markObject(key);
      for (const s of changed) publisher.markService(s);
      publisher.markNamespace(ns);
      const claims = shared && obj.kind === 'Service' ? claimOps(key, prev as Service | undefined, obj) : [];
      await commitWrite([{ op: 'put', key, object: obj }, ...claims], obj.kind, name, key, () => {
        if (prev) index.put(prev); else index.remove(obj.kind, ns, name);
        notify(views.recompute(ns, affectedServices(index, ns, [prev, obj])));
      });
      alloc?.settle();
      alloc = undefined;
      notify(changed);
    } catch (err) {
      alloc?.undo();
      throw err;
    }
    return { outcome: prev || current ? 'configured' : 'created', object: structuredClone(published(obj.kind, ns, name) ?? view(obj)) };
  }

  async function deleteLocked(kind: ApiKindName, namespace: string, name: string, o: DeleteOptions): Promise<ApiObject> {
    if (kind === 'Namespace') return namespaces.delete(name, o);
    assertWritable(kind, 'delete');
    const readOnly = discovered.readOnlyError(kind, namespace, name);
    if (readOnly) throw readOnly;
    const prev = index.get(kind, namespace, name);
    const current = published(kind, namespace, name);
    if (!prev) {
      // A controller-generated object: deleting it is a no-op, the controller would recreate it at once.
      if (current) return structuredClone(current);
      throw notFoundError(KINDS[kind].resource, name, groupOf(kind));
    }
    if (current) checkPreconditions(current, o, KINDS[kind].resource, name);
    if (o.dryRun) return structuredClone(current ?? view(prev));
    const key = objectKey(kind, namespace, name);
    index.remove(kind, namespace, name);
    const changed = views.recompute(namespace, affectedServices(index, namespace, [prev]));
    publisher.markObject(key);
    for (const s of changed) publisher.markService(s);
    publisher.markNamespace(namespace);
    const claims = shared && prev.kind === 'Service' ? claimOps(key, prev, undefined) : [];
    const changes = await commitWrite([{ op: 'delete', key }, ...claims], kind, name, key, () => {
      index.put(prev);
      notify(views.recompute(namespace, affectedServices(index, namespace, [prev])));
    });
    if (prev.kind === 'Service') {
      releaseService(ips, ports, prev);
      ingress.delete(serviceKey(namespace, name));
    }
    notify(changed);
    return structuredClone(changes.find((c) => c.key === key)?.object ?? current ?? view(prev));
  }

  async function patchLocked(kind: ApiKindName, namespace: string, name: string, type: PatchType, patch: unknown, o: PatchOptions): Promise<ApplyResult> {
    assertWritable(kind, 'patch');
    const ns = kind === 'Namespace' ? '' : namespace;
    const current = published(kind, ns, name);
    const declaredObj = kind === 'Namespace' ? declaredNamespaces.get(name) : index.get(kind, namespace, name);
    const target = patchTarget({ kind, namespace, name, type, patch, current, declared: declaredObj as ApiObject | undefined, force: o.force, fieldManager: o.fieldManager, now: clock() });
    const result = await applyLocked(target, { ...o, mode: 'apply', managedByApply: type === 'apply' });
    if (!current && result.outcome === 'created') return result;
    return result.outcome === 'created' ? { ...result, outcome: 'configured' } : result;
  }

  function addReference(involved: Parameters<ControlPlaneApi['recordEvent']>[0]): Parameters<ControlPlaneApi['recordEvent']>[0] {
    const ref = { ...involved };
    if (ref.kind && ref.name && (ref.kind in KINDS)) {
      const obj = cache.get(ref.kind as KindName, ref.namespace ?? 'default', ref.name);
      if (obj) {
        ref.uid ??= obj.metadata.uid;
        ref.resourceVersion ??= obj.metadata.resourceVersion;
      }
      ref.apiVersion ??= KINDS[ref.kind as KindName].apiVersion;
    }
    return ref;
  }

  const publishedReads = {
    get: (kind: ApiKindName, ns: string, name: string) => published(kind, ns, name),
    list: (kind: ApiKindName, ns?: string) => cache.list(kind, ns),
    revision: () => cache.revision(),
  };

  function readinessChangedNow(services?: string[]): void {
    const changed: string[] = [];
    if (services === undefined) {
      for (const ns of index.namespaces()) changed.push(...views.recompute(ns));
      for (const ns of index.namespaces()) for (const p of index.list('Pod', ns)) publisher.markObject(objectKey('Pod', ns, p.metadata.name ?? ''));
    } else {
      const byNs = new Map<string, Set<string>>();
      for (const key of services) {
        const slash = key.indexOf('/');
        const ns = key.slice(0, slash);
        byNs.set(ns, (byNs.get(ns) ?? new Set()).add(key.slice(slash + 1)));
      }
      for (const [ns, names] of byNs) changed.push(...views.recompute(ns, names));
      publisher.markPodsOf(services);
    }
    for (const s of changed) publisher.markService(s);
    flusher.schedule();
    notify(changed);
  }

  return {
    apply: (raw, o = {}) => writes.run(() => applyLocked(raw, o)),
    patch: (kind, ns, name, type, patch, o = {}) => writes.run(() => patchLocked(kind, ns, name, type, patch, o)),
    delete: (kind, ns, name, o = {}) => writes.run(() => deleteLocked(kind, ns, name, o)),
    get: (kind, ns, name) => {
      const o = cache.get(kind, ns, name);
      return o ? structuredClone(o) as KubeObject : undefined;
    },
    list: (kind, ns) => cache.list(kind, ns).map((o) => structuredClone(o) as KubeObject),
    published: publishedReads,
    watch: (start, sink) => startWatch(store, cache, start, sink),
    events: (filter) => events.list(filter),
    recordEvent: (involved, type, reason, message, component) => {
      events.record(addReference(involved), type, reason, message, component);
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
        const services: string[] = [];
        for (const c of result.changed) {
          services.push(...views.recompute(c.namespace, affectedServices(index, c.namespace, c.objects)));
          for (const o of c.objects) if (o) publisher.markObject(objectKey('Pod', c.namespace, o.metadata.name ?? ''));
          publisher.markNamespace(c.namespace);
        }
        for (const s of services) publisher.markService(s);
        // Published (and numbered by the store) like any change before the call resolves.
        await flusher.flush();
        notify(services);
        return result;
      });
    },
    readinessChanged: (services) => readinessChangedNow(services),
    setLeading(next) {
      if (next === leading) return;
      // The health loop starts from the verdicts the previous leader published, not from scratch.
      if (next && followerReadiness) readiness?.adopt?.(followerReadiness);
      leading = next;
      // Slices changed unseen while this instance led: the follower's index is rebuilt when next read.
      followerReadiness?.invalidate();
      // A new leader publishes everything the controllers compute (what the old one left behind
      // included); a follower's endpoints follow the published readiness from now on.
      recomputeAll();
      if (leading) {
        publisher.markAll();
        flusher.schedule();
      }
    },
    leading: () => leading,
    setLeaderLease(name, state) {
      leaderLease = state ? { name, state } : undefined;
      publisher.markObject(objectKey('Lease', LEASE_NAMESPACE, name));
      flusher.schedule();
    },
    setReadiness(source) {
      readiness = source;
      // A loop that starts on the leader (an instance that won the election while starting) takes
      // over from the previous one, too.
      if (leading && followerReadiness) source?.adopt?.(followerReadiness);
    },
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
      unfollow?.();
      unwatchReadiness?.();
      subscribers.clear();
      cache.close();
      await store.close();
    },
  };
}
