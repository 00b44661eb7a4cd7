// The hysteresis of kubelet's probe worker (pkg/kubelet/prober/worker.go doProbe), pure: no clock,
// no I/O. Main thread.
//
// kubelet keeps the last raw result and how many times in a row it came back (resultRun). A result
// changes the reported state only once its run reaches the threshold — failureThreshold failures
// or successThreshold successes in a row — so failures interleaved with successes never flip a
// ready target, however many there are.
//
// Initial state. kubelet starts a readiness worker at Failure: a container with a readinessProbe is
// not ready until its first success (successThreshold of them). switchyard does the same for Pods
// with an explicit readinessProbe. The implicit TCP-connect probe (Pods without a readinessProbe,
// manual Endpoints/EndpointSlices) starts optimistic instead: those backends were declared as
// running and were usable before switchyard probed them, so a restart of switchyard or a fresh
// apply must not take every endpoint away until its first probe (a cold-start outage); a dead one
// leaves after failureThreshold failures.

export interface ProbeThresholds {
  successThreshold: number;
  failureThreshold: number;
}

export interface ProbeState {
  /** The reported state: ready or not. */
  ready: boolean;
  /** The last raw result; undefined before the first probe. */
  last: boolean | undefined;
  /** How many results in a row equal `last`. */
  run: number;
}

export function initialProbeState(initiallyReady: boolean): ProbeState {
  return { ready: initiallyReady, last: undefined, run: 0 };
}

/** Applies one probe result; returns true when the reported state changed. Mutates `state`. */
export function recordProbeResult(state: ProbeState, ok: boolean, t: ProbeThresholds): boolean {
  if (state.last === ok) state.run++;
  else { state.last = ok; state.run = 1; }
  const threshold = ok ? Math.max(1, t.successThreshold) : Math.max(1, t.failureThreshold);
  if (state.run < threshold) return false;
  if (state.ready === ok) return false;
  state.ready = ok;
  return true;
}

/**
 * kubelet skips probing while `int32(seconds since the container started) < initialDelaySeconds`:
 * whole seconds, truncated, so a 5 s delay allows the first probe at 5.0 s, not 4.9 s.
 */
export function probeDue(startedAtMs: number, initialDelaySeconds: number, nowMs: number): boolean {
  if (!initialDelaySeconds || initialDelaySeconds <= 0) return true;
  return Math.trunc((nowMs - startedAtMs) / 1000) >= initialDelaySeconds;
}
