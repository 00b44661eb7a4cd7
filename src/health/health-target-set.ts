// The probe targets the health loop runs now, each with its probe state, plus the counts that
// answer the passive ejector's question "does an active probe speak for this backend?". Main thread.
import { joinHostPort } from '../model/ip-address.ts';
import type { IndexedBackend } from './health-target-index.ts';
import type { TargetSpec } from './health-targets.ts';
import { initialProbeState, type ProbeState } from './probe-state.ts';

export interface HealthTarget { spec: TargetSpec; state: ProbeState; lastMessage?: string; lastProbeAt?: number }

const podKey = (pod: { namespace: string; name: string }) => `${pod.namespace}/${pod.name}`;

export class HealthTargetSet {
  private readonly byKey = new Map<string, HealthTarget>();
  private readonly implicitByPod = new Map<string, Set<HealthTarget>>();
  private readonly portTargets = new Map<string, Set<HealthTarget>>(); // `ip|port` → implicit and manual targets probing it
  private readonly podTargets = new Map<string, Set<HealthTarget>>(); // `ns/name` → readinessProbe targets of that Pod

  get(key: string): HealthTarget | undefined { return this.byKey.get(key); }
  values(): IterableIterator<HealthTarget> { return this.byKey.values(); }
  /** The implicit targets of one Pod (`ns/name`). */
  implicitOf(podKey: string): ReadonlySet<HealthTarget> | undefined { return this.implicitByPod.get(podKey); }

  /** A new target, in its initial probe state. */
  add(spec: TargetSpec): HealthTarget {
    const t: HealthTarget = { spec, state: initialProbeState(spec.initiallyReady) };
    this.byKey.set(spec.key, t);
    if (spec.kind === 'implicit') {
      const pk = podKey(spec.pod!);
      const set = this.implicitByPod.get(pk) ?? new Set();
      set.add(t);
      this.implicitByPod.set(pk, set);
    }
    this.index(t, true);
    return t;
  }

  delete(t: HealthTarget): void {
    const s = t.spec;
    this.byKey.delete(s.key);
    this.index(t, false);
    if (s.kind === 'implicit') {
      const pk = podKey(s.pod!);
      this.implicitByPod.get(pk)?.delete(t);
      if (this.implicitByPod.get(pk)?.size === 0) this.implicitByPod.delete(pk);
    }
  }

  /** Is an active probe speaking for ip:port? `backends` names the Pod behind it (HealthTargetIndex). */
  isCovered(ip: string, port: number, backends: ReadonlyMap<string, IndexedBackend>): boolean {
    if (this.portTargets.has(`${ip}|${port}`)) return true;
    const pod = backends.get(joinHostPort(ip, port))?.pod;
    return !!pod && this.podTargets.has(podKey(pod));
  }

  /** The targets whose probes speak for ip:port: its implicit or manual probe, and the readiness
   *  probes of the Pod behind it. */
  covering(ip: string, port: number, backends: ReadonlyMap<string, IndexedBackend>): HealthTarget[] {
    const out = [...this.portTargets.get(`${ip}|${port}`) ?? []];
    const pod = backends.get(joinHostPort(ip, port))?.pod;
    if (pod) out.push(...this.podTargets.get(podKey(pod)) ?? []);
    return out;
  }

  private index(t: HealthTarget, add: boolean): void {
    const spec = t.spec;
    const [map, key] = spec.kind === 'pod' ? [this.podTargets, podKey(spec.pod!)] : [this.portTargets, `${spec.ip}|${spec.port}`];
    let set = map.get(key);
    if (add) {
      if (!set) map.set(key, set = new Set());
      set.add(t);
    } else if (set) {
      set.delete(t);
      if (set.size === 0) map.delete(key);
    }
  }
}
