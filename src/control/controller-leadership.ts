// Who runs the controllers, and which readiness verdicts the endpoints follow. With one instance,
// or several without election, every instance leads. With election (several instances on a
// shared store) the leader's health loop decides readiness and its commits of controller output
// are fenced by its lease; a follower's endpoints (and data plane) follow what the leader
// published (published-readiness.ts), and so does a leader until its health loop is set. A
// discovered Pod's own Ready condition is its engine's verdict (a Docker HEALTHCHECK) seen only
// here, so a local probe adds to it, leader or not. State and decisions only: recomputing and
// publishing on a change is the registry's. Main thread.
import { podConditionReady } from '../model/pod-ready.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import type { Lease, Pod } from '../model/types.ts';
import type { LeaderState } from '../store/store.ts';
import type { PublishedVerdicts, ReadinessSource } from './control-plane-api.ts';
import { controllerLease, LEASE_NAMESPACE } from './controller-lease.ts';

export interface LeadershipOptions {
  /** Whether this instance starts as the leader. */
  leading: boolean;
  /** Leadership is elected: the leader's controller commits are fenced by its lease. */
  elected: boolean;
  readiness?: ReadinessSource;
  /** The leader's published verdicts (only with a shared store). */
  published?: ReadinessSource & PublishedVerdicts & { invalidate(): void };
  isDiscovered(namespace: string, name: string): boolean;
  /** The Lease published now, whose transitions the next one carries on. */
  publishedLease(namespace: string, name: string): Lease | undefined;
}

export interface ControllerLeadership {
  leading(): boolean;
  /** Whether this instance's commits must be fenced by the leader lease. */
  fenced(): boolean;
  podReady(pod: Pod): boolean;
  endpointReady(ip: string, port: number): boolean | undefined;
  /** The controllers' Lease this instance publishes as `namespace/name`, if it holds it. */
  lease(namespace: string, name: string): Lease | undefined;
  setLease(name: string, state: LeaderState | undefined): void;
  setReadiness(source: ReadinessSource | undefined): void;
  /** Starts or stops leading; false when `next` is the current state. */
  setLeading(next: boolean): boolean;
  /** A fenced commit was refused; true when this instance led under the fence and now follows. */
  stepDown(): boolean;
  /** A published EndpointSlice changed: the leader's endpoint verdicts are read again. */
  publishedSlicesChanged(): void;
}

export function createControllerLeadership(o: LeadershipOptions): ControllerLeadership {
  let leading = o.leading;
  let readiness = o.readiness;
  let held: { name: string; state: LeaderState } | undefined;
  // A leader whose health loop is not set yet (a lone instance restarting on a shared store) goes
  // by the last leader's verdicts too, so that the loop adopts those rather than its own.
  const active = (): ReadinessSource | undefined => (leading ? readiness ?? o.published : o.published);
  const fenced = () => o.elected && leading;
  return {
    leading: () => leading,
    fenced,
    podReady: (pod) => (o.isDiscovered(namespaceOf(pod.metadata), pod.metadata.name ?? '')
      ? podConditionReady(pod) && (readiness?.podReady(pod) ?? true)
      : active()?.podReady(pod) ?? podConditionReady(pod)),
    endpointReady: (ip, port) => active()?.endpointReady?.(ip, port),
    lease: (namespace, name) => (namespace === LEASE_NAMESPACE && held?.name === name
      ? controllerLease(name, held.state, o.publishedLease(namespace, name)) : undefined),
    setLease(name, state) {
      held = state ? { name, state } : undefined;
    },
    setReadiness(source) {
      readiness = source;
      // A loop that starts on the leader (an instance that won the election while starting) takes
      // over from the previous one, too.
      if (leading && o.published) source?.adopt?.(o.published);
    },
    setLeading(next) {
      if (next === leading) return false;
      // The health loop starts from the verdicts the previous leader published, not from scratch.
      if (next && o.published) readiness?.adopt?.(o.published);
      leading = next;
      // Slices changed unseen while this instance led: the follower's index is rebuilt when next read.
      o.published?.invalidate();
      return true;
    },
    stepDown() {
      if (!fenced()) return false;
      leading = false;
      return true;
    },
    publishedSlicesChanged() {
      o.published?.invalidate();
    },
  };
}
