// What the admin API (and anything else on the main thread) may ask of the control plane.
// Implemented by src/control/registry.ts; runs on the main thread only.
import type { ApiKindName, ApiObject, KindName, KubeEvent, KubeObject, ObjectReference, Pod } from '../model/types.ts';
import type { WatchStart, WatchSink, WatchHandle } from './watch-feed.ts';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The object as published: defaulted, with uid, resourceVersion, creationTimestamp, allocations. */
  object: ApiObject;
  /** Warnings for the client (`Warning` headers): unknown fields under fieldValidation=Warn. */
  warnings?: string[];
}

export interface WriteOptions {
  /** Validate, default and allocate, but store nothing and change nothing. */
  dryRun?: boolean;
  /** Who writes (the `fieldManager` query parameter); recorded in metadata.managedFields. */
  fieldManager?: string;
  /** Unknown fields: refused (Strict), reported as warnings (Warn, the default) or dropped silently (Ignore). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface ApplyOptions extends WriteOptions {
  /**
   * `create` fails with 409 AlreadyExists when the object exists (POST); `apply` creates or updates
   * (PUT, and switchyard's own apply); a body resourceVersion on `apply` is a precondition (409).
   */
  mode?: 'apply' | 'create';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take over fields other managers own instead of failing with a conflict. */
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface EventFilter {
  namespace?: string;
  kind?: string;
  name?: string;
}

/** Where a Pod's readiness comes from: the health loop (src/health), set on the registry once it runs. */
export interface ReadinessSource {
  /** true/false when known; undefined falls back to the Pod's own `status.conditions` Ready (default true). */
  podReady(pod: Pod): boolean | undefined;
  /**
   * The probe verdict for an endpoint of a manual Endpoints/EndpointSlice (no Pod behind it):
   * false while its probe fails; true or undefined leaves the conditions its author wrote.
   */
  endpointReady?(ip: string, port: number): boolean | undefined;
  /**
   * This instance takes the controllers over from another one sharing the store: every verdict
   * starts from what that instance published, and probes change it from there (a new leader must
   * not take every probed endpoint out until its own first probes).
   */
  adopt?(published: PublishedVerdicts): void;
}

/** The readiness verdicts the leading instance published (its Pods' Ready conditions, the
 *  conditions of manual endpoints in its EndpointSlices); undefined where it published none. */
export interface PublishedVerdicts {
  pod(namespace: string, name: string, uid?: string): boolean | undefined;
  endpoint(ip: string, port: number): boolean | undefined;
}

/**
 * A check every create or update must pass after validation and allocation, before it is stored
 * (dry runs included), given `next` as it would be stored (defaulted, allocations filled in) and
 * the stored version, if any. Throws an ApiError to refuse.
 */
export type AdmissionCheck = (next: KubeObject, prev: KubeObject | undefined) => void;

/** Emitted after each committed change: the keys (`namespace/name`) of Services whose spec or endpoints changed. */
export interface ChangeNotice {
  services: string[];
}

/** Published objects as the API serves them: shared and frozen, never to be modified. */
export interface PublishedReads {
  get(kind: ApiKindName, namespace: string, name: string): ApiObject | undefined;
  list(kind: ApiKindName, namespace?: string): ApiObject[];
  /** The revision every object read now is at least as new as (a list's resourceVersion). */
  revision(): number;
}

export interface ControlPlaneApi {
  /** Create or update one object (any served kind). Throws ApiError (422 Invalid, 409, 400). Durable before it resolves. */
  apply(raw: unknown, opts?: ApplyOptions): Promise<ApplyResult>;
  /** Patches one existing object (server-side apply may create it). Throws ApiError. */
  patch(kind: ApiKindName, namespace: string, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<ApplyResult>;
  /** Delete one object; resolves to its last state. Throws ApiError 404 when absent. Durable before it resolves. */
  delete(kind: ApiKindName, namespace: string, name: string, opts?: DeleteOptions): Promise<ApiObject>;
  /** A copy of one published object; Endpoints and EndpointSlice include the controllers' ones. */
  get(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  /** Copies; namespace undefined = every namespace. Sorted by namespace, then name. */
  list(kind: KindName, namespace?: string): KubeObject[];
  /** The published objects without copies, for the API's reads. */
  readonly published: PublishedReads;
  /** Starts a watch of every published change (see watch-feed.ts). Throws ApiError 410 Expired. */
  watch(start: WatchStart, sink: WatchSink): Promise<WatchHandle>;
  /** Newest last. */
  events(filter: EventFilter): KubeEvent[];
  recordEvent(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
  subscribe(fn: (notice: ChangeNotice) => void): () => void;
}
