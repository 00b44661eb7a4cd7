// Writes of Namespaces: declaring one (kubectl apply -f ns.yaml, create namespace) and deleting
// one with everything in it, at once (upstream finalizes the same, asynchronously). default and
// kube-system always exist and cannot be deleted. Runs inside the registry's write queue; main
// thread.
import { ApiError, conflictError, modifiedConflict, notFoundError } from '../model/api-error.ts';
import type { ApiObject, KubeObject, Namespace, Service } from '../model/types.ts';
import { objectKey } from '../model/types.ts';
import type { StoreChange, StoreOp } from '../store/store.ts';
import type { ApplyOptions, ApplyResult, DeleteOptions } from './control-plane-api.ts';
import type { EndpointViews } from './endpoint-views.ts';
import { updateManagedFields } from './managed-fields.ts';
import { prepareNamespace } from './namespace-objects.ts';
import type { ObjectIndex } from './object-index.ts';
import type { PublishedCache } from './published-cache.ts';
import { BUILT_IN_NAMESPACES, type Publisher } from './publisher.ts';
import { sameContent } from './same-content.ts';

export interface NamespaceWriteDeps {
  index: ObjectIndex;
  views: EndpointViews;
  cache: PublishedCache;
  publisher: Publisher;
  declaredNamespaces: Map<string, Namespace>;
  clock(): number;
  /** The registry's commit of declared ops plus the marked published changes (undo on failure). */
  commitWrite(input: StoreOp[], kind: 'Namespace', name: string, ownKey: string, undo: () => void): Promise<StoreChange[]>;
  notify(services: string[]): void;
  /** A Service deleted with its namespace: its allocations and status go. */
  released(svc: Service): void;
}

/** 409 Conflict when DeleteOptions preconditions (uid, resourceVersion) do not hold. */
export function checkPreconditions(current: ApiObject, o: DeleteOptions, resource: string, name: string): void {
  const p = o.preconditions;
  if (p?.uid && p.uid !== current.metadata.uid) {
    throw conflictError(resource, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (p?.resourceVersion && p.resourceVersion !== current.metadata.resourceVersion) {
    throw conflictError(resource, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
  }
}

export function createNamespaceWrites(d: NamespaceWriteDeps) {
  const published = (name: string) => d.cache.get('Namespace', '', name);

  async function apply(raw: unknown, o: ApplyOptions & { managedByApply?: boolean }): Promise<ApplyResult> {
    const ns = prepareNamespace(raw);
    const name = ns.metadata.name!;
    const prev = d.declaredNamespaces.get(name);
    const current = published(name);
    if (ns.metadata.resourceVersion && current && ns.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw modifiedConflict('namespaces', name);
    }
    delete ns.metadata.resourceVersion;
    if (o.mode === 'create' && current) throw new ApiError(409, 'AlreadyExists', 'SY_ALREADY_EXISTS', `namespaces "${name}" already exists`, { name, kind: 'namespaces' });
    if (prev && sameContent(ns as never, prev as never)) return { outcome: 'unchanged', object: structuredClone(current ?? ns) };
    if (!o.managedByApply) ns.metadata.managedFields = updateManagedFields(prev ?? current, ns, o.fieldManager, d.clock(), ns.metadata.managedFields);
    if (o.dryRun) return { outcome: current ? 'configured' : 'created', object: { ...ns, metadata: { ...ns.metadata, resourceVersion: current?.metadata.resourceVersion } } };
    d.declaredNamespaces.set(name, ns);
    d.publisher.markNamespace(name);
    const key = objectKey('Namespace', '', name);
    await d.commitWrite([{ op: 'put', key, object: ns as never }], 'Namespace', name, key,
      () => { if (prev) d.declaredNamespaces.set(name, prev); else d.declaredNamespaces.delete(name); });
    return { outcome: current ? 'configured' : 'created', object: structuredClone(published(name)!) };
  }

  async function remove(name: string, o: DeleteOptions): Promise<ApiObject> {
    const current = published(name);
    if (!current) throw notFoundError('namespaces', name);
    if (BUILT_IN_NAMESPACES.includes(name)) {
      throw new ApiError(403, 'Forbidden', 'SY_NAMESPACE_BUILT_IN', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    }
    checkPreconditions(current, o, 'namespaces', name);
    if (o.dryRun) return structuredClone(current);
    const removed: KubeObject[] = [];
    for (const kind of ['Service', 'Pod', 'Endpoints', 'EndpointSlice'] as const) removed.push(...d.index.list(kind, name));
    const prevNs = d.declaredNamespaces.get(name);
    for (const r of removed) d.index.remove(r.kind, name, r.metadata.name ?? '');
    d.declaredNamespaces.delete(name);
    const changed = d.views.recompute(name);
    for (const key of d.cache.keysIn(name)) d.publisher.markObject(key);
    for (const s of changed) d.publisher.markService(s);
    d.publisher.markNamespace(name);
    const inputs: StoreOp[] = removed.map((r) => ({ op: 'delete', key: objectKey(r.kind, name, r.metadata.name ?? '') }));
    const nsKey = objectKey('Namespace', '', name);
    inputs.push({ op: 'delete', key: nsKey });
    const changes = await d.commitWrite(inputs, 'Namespace', name, nsKey, () => {
      for (const r of removed) d.index.put(r);
      if (prevNs) d.declaredNamespaces.set(name, prevNs);
      d.notify(d.views.recompute(name));
    });
    for (const r of removed) if (r.kind === 'Service') d.released(r);
    d.notify(changed);
    return structuredClone(changes.find((c) => c.key === nsKey)?.object ?? current);
  }

  return { apply, delete: remove };
}
