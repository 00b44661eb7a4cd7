// The resources switchyard serves, as discovery publishes them and the REST paths name them. Pure.
import type { ApiKindName } from '../model/types.ts';
import { endpoints, event, namespace, service } from './core-types.ts';
import { lease } from './coordination-types.ts';
import { endpointSlice } from './discovery-types.ts';
import { pod } from './pod-types.ts';
import type { Schema } from './schema.ts';

export interface ApiResource {
  kind: ApiKindName;
  /** Plural REST name. */
  resource: string;
  singular: string;
  group: string;
  version: string;
  /** `v1` or `group/version`. */
  apiVersion: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  schema: Schema;
}

/** The writable kinds' verbs; `deletecollection` is DELETE on a namespaced collection path. */
const WRITABLE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const API_RESOURCES: ApiResource[] = [
  { kind: 'Service', resource: 'services', singular: 'service', group: '', version: 'v1', apiVersion: 'v1', namespaced: true, verbs: WRITABLE_VERBS, shortNames: ['svc'], categories: ['all'], schema: service },
  { kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', group: '', version: 'v1', apiVersion: 'v1', namespaced: true, verbs: WRITABLE_VERBS, shortNames: ['ep'], schema: endpoints },
  { kind: 'Pod', resource: 'pods', singular: 'pod', group: '', version: 'v1', apiVersion: 'v1', namespaced: true, verbs: WRITABLE_VERBS, shortNames: ['po'], categories: ['all'], schema: pod },
  { kind: 'Event', resource: 'events', singular: 'event', group: '', version: 'v1', apiVersion: 'v1', namespaced: true, verbs: ['get', 'list', 'watch'], shortNames: ['ev'], schema: event },
  // Upstream deletes a namespace's contents with the namespace, never namespaces by collection.
  { kind: 'Namespace', resource: 'namespaces', singular: 'namespace', group: '', version: 'v1', apiVersion: 'v1', namespaced: false, verbs: WRITABLE_VERBS.filter((v) => v !== 'deletecollection'), shortNames: ['ns'], schema: namespace },
  { kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice', group: 'discovery.k8s.io', version: 'v1', apiVersion: 'discovery.k8s.io/v1', namespaced: true, verbs: WRITABLE_VERBS, schema: endpointSlice },
  // Read-only: the leader publishes it from its etcd election, which is the lock.
  { kind: 'Lease', resource: 'leases', singular: 'lease', group: 'coordination.k8s.io', version: 'v1', apiVersion: 'coordination.k8s.io/v1', namespaced: true, verbs: ['get', 'list', 'watch'], schema: lease },
];

const BY_KIND = new Map(API_RESOURCES.map((r) => [r.kind, r]));

export function resourceOfKind(kind: ApiKindName): ApiResource {
  return BY_KIND.get(kind)!;
}

/** The group-versions served, preferred first: `v1` (the core group) and the named groups. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of API_RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}
