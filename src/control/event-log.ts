// The control plane's event history: an in-memory ring of the newest events (not persisted, like
// events in a cluster that expire after an hour). Repeats of the same (object, type, reason,
// message) are aggregated into one event with count/firstTimestamp/lastTimestamp, as the
// Kubernetes event recorder does. Main thread only.
import { randomBytes } from 'node:crypto';
import type { EventFilter } from './control-plane-api.ts';
import type { KubeEvent, ObjectReference } from '../model/types.ts';

export const DEFAULT_EVENT_CAPACITY = 1000;

export interface EventLog {
  record(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): KubeEvent;
  /** Oldest first (by lastTimestamp of aggregation). */
  list(filter?: EventFilter): KubeEvent[];
}

/** RFC 3339 with second precision, as Kubernetes timestamps are serialised. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createEventLog(opts: { capacity?: number; clock?: () => number } = {}): EventLog {
  const capacity = opts.capacity ?? DEFAULT_EVENT_CAPACITY;
  const clock = opts.clock ?? Date.now;
  // Map order is recency order: an aggregated repeat is moved to the end, eviction takes the first.
  const events = new Map<string, KubeEvent>();
  return {
    record(involved, type, reason, message, component = 'switchyard') {
      const now = rfc3339(clock());
      const key = JSON.stringify([involved.kind, involved.namespace, involved.name, involved.uid, type, reason, message, component]);
      const seen = events.get(key);
      if (seen) {
        events.delete(key);
        seen.count = (seen.count ?? 1) + 1;
        seen.lastTimestamp = now;
        events.set(key, seen);
        return seen;
      }
      const event: KubeEvent = {
        apiVersion: 'v1', kind: 'Event',
        metadata: {
          // Upstream names events `<object>.<hex>`; uniqueness is all that matters.
          name: `${involved.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`,
          namespace: involved.namespace ?? 'default', creationTimestamp: now,
        },
        involvedObject: { ...involved }, type, reason, message, source: { component },
        count: 1, firstTimestamp: now, lastTimestamp: now,
      };
      events.set(key, event);
      while (events.size > capacity) events.delete(events.keys().next().value!);
      return event;
    },
    list(filter = {}) {
      const out: KubeEvent[] = [];
      for (const e of events.values()) {
        if (filter.namespace !== undefined && (e.involvedObject.namespace ?? e.metadata.namespace) !== filter.namespace) continue;
        if (filter.kind !== undefined && e.involvedObject.kind?.toLowerCase() !== filter.kind.toLowerCase()) continue;
        if (filter.name !== undefined && e.involvedObject.name !== filter.name) continue;
        out.push(structuredClone(e));
      }
      return out;
    },
  };
}
