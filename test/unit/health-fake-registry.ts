// An in-memory stand-in for src/control/registry.ts with just what the health loop uses, built on
// the real endpoint computation (computeEndpointSlices, mirrorEndpoints) and readiness seam.
import type { ChangeNotice, ReadinessSource } from '../../src/control/control-plane-api.ts';
import type { HealthRegistry } from '../../src/health/health-manager.ts';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { mirrorEndpoints } from '../../src/model/mirror-endpoints.ts';
import { namespaceOf } from '../../src/model/namespace-of.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import { hasSelector } from '../../src/model/selector.ts';
import type { EndpointSlice, Endpoints, KindName, KubeObject, ObjectReference, Pod, Service } from '../../src/model/types.ts';
import { LABEL_SERVICE_NAME } from '../../src/model/well-known-labels.ts';

export interface RecordedEvent { involved: ObjectReference; type: string; reason: string; message: string }

export class FakeRegistry implements HealthRegistry {
  readiness: ReadinessSource | undefined;
  readonly events: RecordedEvent[] = [];
  readinessCalls = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly listeners = new Set<(n: ChangeNotice) => void>();

  put(obj: KubeObject): void {
    this.objects.set(`${obj.kind}/${namespaceOf(obj.metadata)}/${obj.metadata.name}`, obj);
    this.notify();
  }
  remove(kind: KindName, ns: string, name: string): void {
    this.objects.delete(`${kind}/${ns}/${name}`);
    this.notify();
  }
  list(kind: KindName, namespace?: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || namespaceOf(o.metadata) === namespace));
  }
  isReady = (pod: Pod): boolean => this.readiness?.podReady(pod) ?? podConditionReady(pod);
  serviceSlices(namespace: string, name: string): EndpointSlice[] {
    const svc = this.objects.get(`Service/${namespace}/${name}`) as Service | undefined;
    if (!svc) return [];
    if (hasSelector(svc.spec.selector)) return computeEndpointSlices(svc, this.list('Pod', namespace) as Pod[], this.isReady);
    const manual = (this.list('EndpointSlice', namespace) as EndpointSlice[]).filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name);
    const ep = this.objects.get(`Endpoints/${namespace}/${name}`) as Endpoints | undefined;
    return [...manual, ...(ep ? mirrorEndpoints(ep) : [])];
  }
  readinessChanged(): void {
    this.readinessCalls++;
    this.notify();
  }
  recordEvent(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ involved, type, reason, message });
  }
  subscribe(fn: (n: ChangeNotice) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  /** The ready flags of a selector Service's endpoints, by IP. */
  readyByIp(ns: string, name: string): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const s of this.serviceSlices(ns, name)) for (const e of s.endpoints ?? []) out[e.addresses[0]] = e.conditions?.ready ?? true;
    return out;
  }
  private notify(): void {
    const services = this.list('Service').map((s) => `${namespaceOf(s.metadata)}/${s.metadata.name}`);
    for (const fn of this.listeners) fn({ services });
  }
}
