// The control plane as the health loop sees it: src/control/registry.ts (tests run it over an
// in-memory store, test/helpers/memory-registry.ts).
// Main thread.
import type { ChangeNotice } from '../control/control-plane-api.ts';
import type { EndpointSlice, KindName, KubeObject, ObjectReference } from '../model/types.ts';

/** What the health loop needs of src/control/registry.ts. */
export interface HealthRegistry {
  list(kind: KindName, namespace?: string): KubeObject[];
  serviceSlices(namespace: string, name: string): EndpointSlice[];
  /**
   * The slices before this loop's verdicts on manual endpoints were applied: an endpoint taken out
   * must stay a target, or it could never come back. Falls back to serviceSlices.
   */
  declaredServiceSlices?(namespace: string, name: string): EndpointSlice[];
  /**
   * Re-evaluate Pod and manual endpoint readiness (podReady, endpointReady) and recompute the
   * endpoints of those Services (`ns/name`), or of every Service when undefined.
   */
  readinessChanged(services?: string[]): unknown;
  /** One object; with it, change notices update only the Services they name (else every notice resyncs all). */
  get?(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  recordEvent(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
  subscribe(fn: (notice: ChangeNotice) => void): () => void;
}
