// Names an endpoint's health state from its flag bits in the shared endpoint table, and says in words
// why it entered it, for the marks the status sampler puts on the time axis. Pure; main thread.
import { ADMIN_DOWN, EJECTED, READY, TERMINATING } from '../shared/slot-state.ts';

export type EndpointState = 'ready' | 'not ready' | 'ejected' | 'admin-down' | 'terminating';

/** The state a person cares about first: an ejection or an administrator's hold explains a missing
 *  READY, and a terminating endpoint is on its way out whatever its readiness. */
export function endpointState(flags: number): EndpointState {
  if (flags & ADMIN_DOWN) return 'admin-down';
  if (flags & EJECTED) return 'ejected';
  if (flags & TERMINATING) return 'terminating';
  return flags & READY ? 'ready' : 'not ready';
}

/** Why an endpoint entered `state` (shown after it: "not ready: probe failed: …"): the probe's last
 *  message where the health loop probes it. */
export function stateReason(state: EndpointState | 'added' | 'removed', probeMessage: string | undefined, connectErrors: number): string {
  switch (state) {
    case 'ready': return 'new connections go to it';
    case 'not ready': return probeMessage ? (/probe/i.test(probeMessage) ? probeMessage : `probe failed: ${probeMessage}`) : 'its Pod is not ready';
    case 'ejected': return `consecutive connect failures (${connectErrors} connect errors in all); the next passing probe ends it`;
    case 'admin-down': return 'held out of rotation by an administrator';
    case 'terminating': return 'its Pod is being deleted; open connections drain';
    case 'added': return 'new in the Service\'s endpoints';
    case 'removed': return 'gone from the Service\'s endpoints; open connections drain (up to --drain-timeout)';
  }
}
