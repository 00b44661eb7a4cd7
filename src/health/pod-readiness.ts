// The health loop's verdict on one Pod, as the registry asks for it (ReadinessSource.podReady)
// whenever it computes endpoints. Main thread, pure: it reads the live targets and their probe
// state. A Pod with readiness probes is ready when every probe the Pod asks for now has passed;
// implicit probes (no readinessProbe) only ever take readiness away.
import { namespaceOf } from '../model/namespace-of.ts';
import type { Pod } from '../model/types.ts';
import type { HealthTargetSet } from './health-target-set.ts';
import { podProbeTargets, probedContainers } from './health-targets.ts';

export interface PodReadiness {
  /** undefined: no verdict, the Pod's own Ready condition stands. */
  ready: boolean | undefined;
  /** A probe the Pod asks for has no target yet, or another one (a Pod edit that moved no endpoint
   *  sends no change notice: this is where the loop learns of it). Recompute the Pod's targets. */
  stale: boolean;
}

export function podReadiness(pod: Pod, targets: HealthTargetSet, nowMs: number): PodReadiness {
  if (probedContainers(pod).length > 0) {
    // Compare with what the Pod asks for now: a new or changed probe has not succeeded yet.
    const wanted = podProbeTargets(pod, [], nowMs);
    if (wanted.length === 0) return { ready: undefined, stale: false }; // terminal or IP-less: not an endpoint anyway
    let ready = true;
    let stale = false;
    for (const w of wanted) {
      const t = targets.get(w.key);
      if (!t || t.spec.fingerprint !== w.fingerprint) { stale = true; ready = false; } else if (!t.state.ready) ready = false;
    }
    return { ready, stale };
  }
  const implicit = targets.implicitOf(`${namespaceOf(pod.metadata)}/${pod.metadata.name ?? ''}`);
  if (implicit) {
    for (const t of implicit) if (!t.state.ready && (!pod.metadata.uid || t.spec.pod?.uid === pod.metadata.uid)) return { ready: false, stale: false };
  }
  // Implicit probes only take readiness away; a passing one defers to the Pod's own condition.
  return { ready: undefined, stale: false };
}
