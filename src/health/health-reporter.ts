// What the health loop tells people: log lines, and Kubernetes events on the Pods and Services a
// verdict concerns (`get events`, `describe`). Main thread.
import { splitNamespacedKey } from '../model/namespace-of.ts';
import { joinHostPort } from '../model/ip-address.ts';
import type { ObjectReference } from '../model/types.ts';
import type { HealthRegistry } from './health-registry.ts';
import type { IndexedBackend } from './health-target-index.ts';
import type { TargetSpec } from './health-targets.ts';
import type { EjectionChange } from './passive-ejector.ts';
import type { ProbeOutcome } from './probe-outcome.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;
type PodRef = { namespace: string; name: string; uid?: string };

export interface HealthReporter {
  /** A failed probe of a Pod's target. */
  probeFailed(s: TargetSpec, outcome: ProbeOutcome): void;
  /** A target became ready or not ready. */
  transition(s: TargetSpec, ready: boolean, outcome: ProbeOutcome): void;
  ejection(c: EjectionChange): void;
}

const COMPONENT = 'switchyard-health';

/** `backends` (HealthTargetIndex) names the Services and the Pod behind an ejected endpoint. */
export function createHealthReporter(registry: HealthRegistry, log: Log, backends: ReadonlyMap<string, IndexedBackend>): HealthReporter {
  function event(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string) {
    try { registry.recordEvent(ref, type, reason, message, COMPONENT); } catch (err) { log('error', `health: cannot record event: ${(err as Error).message}`); }
  }
  const podEvent = (pod: PodRef, type: 'Normal' | 'Warning', reason: string, message: string) => {
    const ref: ObjectReference = { kind: 'Pod', namespace: pod.namespace, name: pod.name };
    if (pod.uid) ref.uid = pod.uid;
    event(ref, type, reason, message);
  };
  const serviceEvent = (key: string, type: 'Normal' | 'Warning', reason: string, message: string) => {
    const [namespace, name] = splitNamespacedKey(key);
    event({ kind: 'Service', namespace, name }, type, reason, message);
  };

  function describeTarget(s: TargetSpec): string {
    const where = s.port !== undefined ? joinHostPort(s.ip, s.port) : s.ip;
    if (s.kind === 'pod') return `Pod ${s.pod!.namespace}/${s.pod!.name} container ${s.container}`;
    if (s.kind === 'implicit') return `Pod ${s.pod!.namespace}/${s.pod!.name} (${where})`;
    return `endpoint ${where}`;
  }

  return {
    // Like kubelet, every failed probe is an Unhealthy event on the Pod (the event log aggregates
    // repeats into a count), so a Pod that never becomes ready says why.
    probeFailed(s, outcome) {
      if (s.pod) podEvent(s.pod, 'Warning', 'Unhealthy', outcome.message);
    },
    transition(s, ready, outcome) {
      const what = describeTarget(s);
      const detail = ready ? 'is ready' : `is not ready: ${outcome.message}`;
      log(ready ? 'info' : 'warn', `health: ${what} ${detail}`);
      // Failures were recorded on the Pod already, one per probe (probeFailed).
      if (s.pod && ready) podEvent(s.pod, 'Normal', 'Ready', 'Readiness probe succeeded');
      for (const svc of s.services) serviceEvent(svc, ready ? 'Normal' : 'Warning', ready ? 'Ready' : 'Unhealthy', `${what} ${detail}`);
    },
    ejection(c) {
      const where = joinHostPort(c.ip, c.port);
      const text = c.ejected
        ? `endpoint ${where} ejected for ${Math.round(c.durationMs! / 1000)}s after ${c.failures} consecutive connect failures`
        : `endpoint ${where} returned after ejection`;
      log(c.ejected ? 'warn' : 'info', `health: ${text}`);
      const [type, reason] = c.ejected ? ['Warning', 'Ejected'] as const : ['Normal', 'Unejected'] as const;
      const backend = backends.get(where);
      for (const svc of backend?.owners.keys() ?? []) serviceEvent(svc, type, reason, text);
      if (backend?.pod) podEvent(backend.pod, type, reason, text);
    },
  };
}
