// The control plane's events: the newest events (capacity, and an hour's age as upstream's TTL),
// published like every other API object so they can be listed and watched. Repeats of the same
// (object, type, reason, message) are aggregated into one event with count/firstTimestamp/
// lastTimestamp, as the Kubernetes event recorder does. Main thread only.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventFilter } from './control-plane-api.ts';
import type { KubeEvent, ObjectReference } from '../model/types.ts';
import { objectKey } from '../model/types.ts';

export const DEFAULT_EVENT_CAPACITY = 1000;
export const EVENT_TTL_MS = 3_600_000;

export interface EventLog {
  record(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): KubeEvent;
  /** Oldest first (by lastTimestamp of aggregation). */
  list(filter?: EventFilter): KubeEvent[];
  /** The event stored under a published key (`Event/<ns>/<name>`), if it is still kept. */
  byKey(key: string): KubeEvent | undefined;
  /** Keys of events recorded, re-counted or dropped since the last call: what must be published. */
  takeChanged(): string[];
  /** Restores published events at start-up (oldest first), so repeats keep aggregating. */
  restore(events: KubeEvent[]): void;
}

/** RFC 3339 with second precision, as Kubernetes timestamps are serialised. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const aggregationKey = (e: Pick<KubeEvent, 'involvedObject' | 'type' | 'reason' | 'message' | 'source'>) => JSON.stringify([
  e.involvedObject.kind, e.involvedObject.namespace, e.involvedObject.name, e.involvedObject.uid, e.type, e.reason, e.message, e.source?.component,
]);
const keyOf = (e: KubeEvent) => objectKey('Event', e.metadata.namespace ?? 'default', e.metadata.name ?? '');

export function createEventLog(opts: { capacity?: number; clock?: () => number; ttlMs?: number } = {}): EventLog {
  const capacity = opts.capacity ?? DEFAULT_EVENT_CAPACITY;
  const clock = opts.clock ?? Date.now;
  const ttl = opts.ttlMs ?? EVENT_TTL_MS;
  const instance = hostname();
  // Map order is recency order: an aggregated repeat is moved to the end, eviction takes the first.
  const events = new Map<string, KubeEvent>();
  const byKey = new Map<string, KubeEvent>();
  const changed = new Set<string>();
  const drop = (agg: string) => {
    const e = events.get(agg)!;
    events.delete(agg);
    byKey.delete(keyOf(e));
    changed.add(keyOf(e));
  };
  const expire = () => {
    const oldest = rfc3339(clock() - ttl);
    for (const [agg, e] of events) {
      if ((e.lastTimestamp ?? '') >= oldest) break;
      drop(agg);
    }
    while (events.size > capacity) drop(events.keys().next().value!);
  };
  return {
    record(involved, type, reason, message, component = 'switchyard') {
      const now = rfc3339(clock());
      const candidate = { involvedObject: involved, type, reason, message, source: { component } };
      const agg = aggregationKey(candidate);
      const seen = events.get(agg);
      if (seen) {
        events.delete(agg);
        seen.count = (seen.count ?? 1) + 1;
        seen.lastTimestamp = now;
        events.set(agg, seen);
        changed.add(keyOf(seen));
        expire();
        return structuredClone(seen);
      }
      const event: KubeEvent = {
        apiVersion: 'v1', kind: 'Event',
        metadata: {
          // Upstream names events `<object>.<hex>`; uniqueness is all that matters.
          name: `${involved.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`,
          namespace: involved.namespace ?? 'default', creationTimestamp: now,
        },
        involvedObject: { ...involved }, type, reason, message, source: { component },
        count: 1, firstTimestamp: now, lastTimestamp: now, eventTime: null,
        reportingComponent: component, reportingInstance: instance,
      };
      events.set(agg, event);
      byKey.set(keyOf(event), event);
      changed.add(keyOf(event));
      expire();
      return structuredClone(event);
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
    byKey: (key) => byKey.get(key),
    takeChanged() {
      expire();
      const out = [...changed];
      changed.clear();
      return out;
    },
    restore(list) {
      const sorted = [...list].sort((a, b) => ((a.lastTimestamp ?? '') < (b.lastTimestamp ?? '') ? -1 : 1));
      for (const e of sorted) {
        const copy = structuredClone(e);
        delete copy.metadata.resourceVersion;
        events.set(aggregationKey(copy), copy);
        byKey.set(keyOf(copy), copy);
      }
      expire();
    },
  };
}
