// What the admin API (and anything else on the main thread) may ask of the control plane.
// Implemented by src/control/registry.ts; runs on the main thread only.
import type { KindName, KubeEvent, KubeObject, ObjectReference, Pod } from '../model/types.ts';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The object as stored: defaulted, with uid, resourceVersion, creationTimestamp, allocations. */
  object: KubeObject;
}

export interface ApplyOptions {
  /** Validate, default and allocate, but store nothing and change nothing. */
  dryRun?: boolean;
  /** `create` fails with 409 AlreadyExists when the object exists (POST); `apply` creates or updates (PUT). */
  mode?: 'apply' | 'create';
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
}

/** Emitted after each committed change: the keys (`namespace/name`) of Services whose spec or endpoints changed. */
export interface ChangeNotice {
  services: string[];
}

export interface ControlPlaneApi {
  /** Create or update one object (any served kind). Throws ApiError (422 Invalid, 409, 400). Durable before it resolves. */
  apply(raw: unknown, opts?: ApplyOptions): Promise<ApplyResult>;
  /** Delete one object. Throws ApiError 404 when absent. Durable before it resolves. */
  delete(kind: KindName, namespace: string, name: string, opts?: { dryRun?: boolean }): Promise<KubeObject>;
  /** Endpoints and EndpointSlice include the ones computed for selector Services. */
  get(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  /** namespace undefined = every namespace. Sorted by namespace, then name. */
  list(kind: KindName, namespace?: string): KubeObject[];
  /** Newest last. */
  events(filter: EventFilter): KubeEvent[];
  recordEvent(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
  subscribe(fn: (notice: ChangeNotice) => void): () => void;
}
