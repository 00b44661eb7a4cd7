// HealthTargetIndex: computeHealthTargets kept up to date incrementally. Pure; main thread.
import type { Pod } from '../model/types.ts';
import { podProbeTargets, probedContainers, serviceKey, type ServiceHealthContribution, type TargetSpec } from './health-targets.ts';
type BackendInfo = ServiceHealthContribution['backends'] extends Map<string, infer B> ? B : never;

/** One backend in HealthTargetIndex: the Services sending to it are the keys of `owners`. */
export interface IndexedBackend extends BackendInfo {
  owners: Map<string, BackendInfo>;
}

/** What one update changed: target keys to re-read, Pods whose selecting Services changed, backends added or removed. */
export interface HealthTouched {
  targets: Set<string>;
  pods: Set<string>;
  backends: Set<string>;
}

export const healthTouched = (): HealthTouched => ({ targets: new Set(), pods: new Set(), backends: new Set() });

/**
 * computeHealthTargets kept up to date one Service and one Pod at a time, so that a change costs
 * what it touches rather than every object (with 1,000 Services, re-reading all of them made
 * every apply slow). Holds every Service's contribution and every Pod's probe targets; the merged
 * view (`target`, `backends`) equals computeHealthTargets over the same objects. Main thread.
 */
export class HealthTargetIndex {
  readonly backends = new Map<string, IndexedBackend>();
  /** Ports of the backends behind each IP and each Pod (`ns/name`), keyed by backend. */
  readonly portsByIp = new Map<string, Map<string, number>>();
  readonly portsByPod = new Map<string, Map<string, number>>();
  private readonly contributions = new Map<string, ServiceHealthContribution>();
  private readonly owners = new Map<string, Map<string, TargetSpec>>();
  private readonly selectors = new Map<string, Set<string>>();
  private readonly explicit = new Map<string, TargetSpec>();
  private readonly explicitByPod = new Map<string, string[]>();

  serviceKeys(): IterableIterator<string> { return this.contributions.keys(); }
  podKeys(): IterableIterator<string> { return this.explicitByPod.keys(); }
  /** `ns/name` of the Services selecting that Pod. */
  selecting(podKey: string): string[] { return [...this.selectors.get(podKey) ?? []]; }

  /** Replaces Service `sk`'s contribution (undefined: the Service is gone). */
  setService(sk: string, c: ServiceHealthContribution | undefined, touched: HealthTouched): void {
    const old = this.contributions.get(sk);
    if (c) this.contributions.set(sk, c); else this.contributions.delete(sk);
    for (const t of old?.targets ?? []) { this.owners.get(t.key)?.delete(sk); touched.targets.add(t.key); }
    for (const t of c?.targets ?? []) {
      let m = this.owners.get(t.key);
      if (!m) this.owners.set(t.key, m = new Map());
      m.set(sk, t);
      touched.targets.add(t.key);
    }
    for (const [k, b] of old?.backends ?? []) this.dropOwner(k, sk, b, touched);
    for (const [k, b] of c?.backends ?? []) this.addOwner(k, sk, b, touched);
    for (const p of old?.selected ?? []) { const pk = serviceKey(p); this.selectors.get(pk)?.delete(sk); touched.pods.add(pk); }
    for (const p of c?.selected ?? []) {
      const pk = serviceKey(p);
      let s = this.selectors.get(pk);
      if (!s) this.selectors.set(pk, s = new Set());
      s.add(sk);
      touched.pods.add(pk);
    }
  }

  /** Recomputes the readinessProbe targets of one Pod (undefined: the Pod is gone). */
  setPod(podKey: string, pod: Pod | undefined, nowMs: number, touched: HealthTouched): void {
    for (const key of this.explicitByPod.get(podKey) ?? []) { this.explicit.delete(key); touched.targets.add(key); }
    this.explicitByPod.delete(podKey);
    // The selecting list is only built for a Pod with probes: a Pod selected by many Services costs nothing otherwise.
    const specs = pod && probedContainers(pod).length > 0 ? podProbeTargets(pod, this.selecting(podKey), nowMs) : [];
    if (this.selectors.get(podKey)?.size === 0) this.selectors.delete(podKey);
    if (specs.length === 0) return;
    for (const s of specs) { this.explicit.set(s.key, s); touched.targets.add(s.key); }
    this.explicitByPod.set(podKey, specs.map((s) => s.key));
  }

  /** The merged target under `key`, undefined when nothing asks for it any more. */
  target(key: string): TargetSpec | undefined {
    const e = this.explicit.get(key);
    if (e) return e;
    const m = this.owners.get(key);
    if (!m || m.size === 0) { this.owners.delete(key); return undefined; }
    const first = m.values().next().value!;
    return { ...first, services: [...m.keys()] };
  }

  // Backends shared by many Services (1,000 Services selecting one Pod) are updated per owner, never
  // re-merged over all owners, so adding one Service costs O(1) here.
  private addOwner(k: string, sk: string, b: BackendInfo, touched: HealthTouched): void {
    let agg = this.backends.get(k);
    if (!agg) {
      this.backends.set(k, agg = { ip: b.ip, port: b.port, owners: new Map() });
      const byIp = this.portsByIp.get(b.ip) ?? new Map<string, number>();
      this.portsByIp.set(b.ip, byIp.set(k, b.port));
      touched.backends.add(k);
    }
    agg.owners.set(sk, b);
    if (!agg.pod && b.pod) this.setBackendPod(k, agg, b.pod);
  }

  private dropOwner(k: string, sk: string, b: BackendInfo, touched: HealthTouched): void {
    const agg = this.backends.get(k);
    if (!agg || !agg.owners.delete(sk)) return;
    if (agg.owners.size === 0) {
      this.setBackendPod(k, agg, undefined);
      this.backends.delete(k);
      this.portsByIp.get(agg.ip)?.delete(k);
      if (this.portsByIp.get(agg.ip)?.size === 0) this.portsByIp.delete(agg.ip);
      touched.backends.add(k);
      return;
    }
    // Only when the leaving owner named the Pod: look for another owner that names one.
    if (agg.pod !== b.pod) return;
    let pod: BackendInfo['pod'];
    for (const o of agg.owners.values()) if ((pod = o.pod)) break;
    this.setBackendPod(k, agg, pod);
  }

  private setBackendPod(k: string, agg: IndexedBackend, pod: BackendInfo['pod']): void {
    if (agg.pod) {
      const pk = `${agg.pod.namespace}/${agg.pod.name}`;
      this.portsByPod.get(pk)?.delete(k);
      if (this.portsByPod.get(pk)?.size === 0) this.portsByPod.delete(pk);
    }
    agg.pod = pod;
    if (pod) {
      const pk = `${pod.namespace}/${pod.name}`;
      this.portsByPod.set(pk, (this.portsByPod.get(pk) ?? new Map<string, number>()).set(k, agg.port));
    }
  }
}
