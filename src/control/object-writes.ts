// The write path of every kind but Namespace (namespace-writes.ts): validate and default the
// object, keep or allocate its ClusterIP and NodePorts, admit it, then index it, recompute the
// endpoints it affects and commit it in one store commit with what it changes (write-commit.ts).
// A failure anywhere undoes the allocation and the index change. Deletes and patches take the same
// way. Main thread, inside the registry's write queue.
import { randomUUID } from 'node:crypto';
import { resourceOfKind } from '../api/api-resources.ts';
import { prepareObject, resourceName } from '../config/prepare-object.ts';
import { validateServiceUpdate } from '../config/validate-service-update.ts';
import { ApiError, badRequest, invalidError, modifiedConflict, notFoundError } from '../model/api-error.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { truncateForMessage } from '../model/truncate.ts';
import type { ApiKindName, ApiObject, KubeObject, Namespace, Service } from '../model/types.ts';
import { KINDS, objectKey } from '../model/types.ts';
import { claimOps } from './allocation-claims.ts';
import { retryLostAllocations } from './allocation-retry.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { AdmissionCheck, ApplyOptions, ApplyResult, DeleteOptions, PatchOptions, PatchType } from './control-plane-api.ts';
import type { DiscoveredPodOverlay } from './discovered-pods.ts';
import { affectedServices, type EndpointViews } from './endpoint-views.ts';
import { rfc3339 } from './event-log.ts';
import { checkFieldValidation } from './field-validation.ts';
import { generatedName } from './generated-name.ts';
import { updateManagedFields } from './managed-fields.ts';
import { checkPreconditions, type createNamespaceWrites } from './namespace-writes.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';
import type { ObjectIndex } from './object-index.ts';
import { patchTarget } from './patch-object.ts';
import type { PublishedCache } from './published-cache.ts';
import type { Publisher } from './publisher.ts';
import { sameContent } from './same-content.ts';
import { allocateService, keepAllocations, type ServiceAllocation } from './service-allocations.ts';
import type { CommitWrite } from './write-commit.ts';

export interface ObjectWriteDeps {
  index: ObjectIndex;
  views: EndpointViews;
  cache: PublishedCache;
  publisher: Publisher;
  discovered: DiscoveredPodOverlay;
  declaredNamespaces: Map<string, Namespace>;
  namespaces: ReturnType<typeof createNamespaceWrites>;
  ips: ClusterIpAllocator;
  ports: NodePortAllocator;
  /** The shared store's location when several instances allocate from one store (claims are committed then). */
  shared: string | undefined;
  clock(): number;
  admission(): AdmissionCheck | undefined;
  /** The object as clients read it (status filled in). */
  view<T extends KubeObject>(obj: T): T;
  commitWrite: CommitWrite;
  notify(services: string[]): void;
  /** A Service was deleted: its allocations and load-balancer status go. */
  released(svc: Service): void;
}

type ApplyRequest = ApplyOptions & { managedByApply?: boolean };

/** Events and Leases are the server's own record: the API reads them, never writes them. */
function assertWritable(kind: ApiKindName, verb: 'delete' | 'patch'): asserts kind is Exclude<ApiKindName, 'Event' | 'Lease'> {
  const r = resourceOfKind(kind);
  if (!r.verbs.includes(verb)) {
    throw new ApiError(405, 'MethodNotAllowed', 'SY_METHOD_NOT_ALLOWED', `${verb} is not supported on resources of kind "${r.resource}"`);
  }
}

export function createObjectWrites(d: ObjectWriteDeps) {
  const { index, views, publisher } = d;
  const published = (kind: ApiKindName, ns: string, name: string) => d.cache.get(kind, ns, name);

  async function apply(raw: unknown, o: ApplyRequest): Promise<ApplyResult> {
    const warnings = checkFieldValidation(raw, o.fieldValidation);
    const result = await retryLostAllocations(() => applyOnce(structuredClone(raw), o), { ips: d.ips, ports: d.ports, location: d.shared ?? 'store' });
    return warnings.length > 0 ? { ...result, warnings } : result;
  }

  async function applyOnce(raw: unknown, o: ApplyRequest): Promise<ApplyResult> {
    if (raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'Namespace' && (raw as { apiVersion?: unknown }).apiVersion === 'v1') {
      return d.namespaces.apply(raw, o);
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
    const readOnly = d.discovered.readOnlyError(obj.kind, ns, name);
    if (readOnly) throw readOnly;
    const key = objectKey(obj.kind, ns, name);
    const prev = index.get(obj.kind, ns, name);
    const current = published(obj.kind, ns, name);
    if (o.mode === 'create' && (prev || current)) {
      const shown = truncateForMessage(name);
      throw new ApiError(409, 'AlreadyExists', 'SY_ALREADY_EXISTS', `${resource} "${shown}" already exists`, { name: shown, group: resourceOfKind(obj.kind).group, kind: resource });
    }
    const wantedVersion = obj.metadata.resourceVersion;
    if (wantedVersion && current && wantedVersion !== current.metadata.resourceVersion) {
      throw modifiedConflict(resource, name);
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
      alloc = allocateService(d.ips, d.ports, obj, prevSvc);
    }
    try {
      const meta = obj.metadata;
      meta.namespace = ns;
      meta.uid = prev?.metadata.uid ?? current?.metadata.uid ?? randomUUID();
      meta.creationTimestamp = prev?.metadata.creationTimestamp ?? current?.metadata.creationTimestamp ?? rfc3339(d.clock());
      // A server-side apply computed managedFields itself; any other write records what it changed.
      if (!o.managedByApply) meta.managedFields = updateManagedFields(prev ?? current, obj, o.fieldManager, d.clock(), meta.managedFields);
      if (prev && sameContent(obj, prev)) {
        alloc?.undo();
        return { outcome: 'unchanged', object: structuredClone(current ?? d.view(prev)) };
      }
      d.admission()?.(obj, prev);
      // Like the apiserver, generation counts changes of the desired state, not of metadata.
      const bodyChanged = !prev || !sameContent({ ...obj, metadata: {} }, { ...prev, metadata: {} });
      meta.generation = (prev?.metadata.generation ?? 0) + (bodyChanged ? 1 : 0);
      if (o.dryRun) {
        alloc?.undo();
        const shown = d.view(obj) as KubeObject;
        if (current) shown.metadata.resourceVersion = current.metadata.resourceVersion;
        return { outcome: prev ? 'configured' : 'created', object: shown };
      }
      index.put(obj);
      const changed = views.recompute(ns, affectedServices(index, ns, [prev, obj]));
      publisher.markObject(key);
      for (const s of changed) publisher.markService(s);
      publisher.markNamespace(ns);
      const claims = d.shared !== undefined && obj.kind === 'Service' ? claimOps(key, prev as Service | undefined, obj) : [];
      await d.commitWrite([{ op: 'put', key, object: obj }, ...claims], obj.kind, name, key, () => {
        if (prev) index.put(prev); else index.remove(obj.kind, ns, name);
        d.notify(views.recompute(ns, affectedServices(index, ns, [prev, obj])));
      });
      alloc?.settle();
      alloc = undefined;
      d.notify(changed);
    } catch (err) {
      alloc?.undo();
      throw err;
    }
    return { outcome: prev || current ? 'configured' : 'created', object: structuredClone(published(obj.kind, ns, name) ?? d.view(obj)) };
  }

  async function remove(kind: ApiKindName, namespace: string, name: string, o: DeleteOptions): Promise<ApiObject> {
    if (kind === 'Namespace') return d.namespaces.delete(name, o);
    assertWritable(kind, 'delete');
    const readOnly = d.discovered.readOnlyError(kind, namespace, name);
    if (readOnly) throw readOnly;
    const prev = index.get(kind, namespace, name);
    const current = published(kind, namespace, name);
    if (!prev) {
      // A controller-generated object: deleting it is a no-op, the controller would recreate it at once.
      if (current) return structuredClone(current);
      throw notFoundError(KINDS[kind].resource, name, resourceOfKind(kind).group);
    }
    if (current) checkPreconditions(current, o, KINDS[kind].resource, name);
    if (o.dryRun) return structuredClone(current ?? d.view(prev));
    const key = objectKey(kind, namespace, name);
    index.remove(kind, namespace, name);
    const changed = views.recompute(namespace, affectedServices(index, namespace, [prev]));
    publisher.markObject(key);
    for (const s of changed) publisher.markService(s);
    publisher.markNamespace(namespace);
    const claims = d.shared !== undefined && prev.kind === 'Service' ? claimOps(key, prev, undefined) : [];
    const changes = await d.commitWrite([{ op: 'delete', key }, ...claims], kind, name, key, () => {
      index.put(prev);
      d.notify(views.recompute(namespace, affectedServices(index, namespace, [prev])));
    });
    if (prev.kind === 'Service') d.released(prev);
    d.notify(changed);
    return structuredClone(changes.find((c) => c.key === key)?.object ?? current ?? d.view(prev));
  }

  async function patch(kind: ApiKindName, namespace: string, name: string, type: PatchType, body: unknown, o: PatchOptions): Promise<ApplyResult> {
    assertWritable(kind, 'patch');
    const current = published(kind, namespace, name);
    const declared = kind === 'Namespace' ? d.declaredNamespaces.get(name) : index.get(kind, namespace, name);
    const target = patchTarget({ kind, namespace, name, type, patch: body, current, declared: declared as ApiObject | undefined, force: o.force, fieldManager: o.fieldManager, now: d.clock() });
    const result = await apply(target, { ...o, mode: 'apply', managedByApply: type === 'apply' });
    if (!current && result.outcome === 'created') return result;
    return result.outcome === 'created' ? { ...result, outcome: 'configured' } : result;
  }

  return { apply, patch, delete: remove };
}
