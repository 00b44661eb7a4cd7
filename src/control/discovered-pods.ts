// Pods that a discovery source (Docker containers) reports rather than a client applies: an
// overlay on the registry's object index. They are validated and defaulted exactly as applied Pods
// are, selected by Services, probed and listed like them, but never written to the store (the
// source re-reports them after a restart) and read-only through the API: a client's apply or
// delete of one is refused with an error naming what owns it. Main thread only; the registry runs
// every sync in its write queue, so it never interleaves with an apply or delete.
import { prepareObject } from '../config/prepare-object.ts';
import { ApiError, invalidError } from '../model/api-error.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import type { KindName, KubeObject, Pod } from '../model/types.ts';
import { objectKey } from '../model/types.ts';
import type { EventLog } from './event-log.ts';
import { rfc3339 } from './event-log.ts';
import type { ObjectIndex } from './object-index.ts';

export interface DiscoveredPod {
  /** The Pod as the source maps it (uid and creationTimestamp included when it knows them). */
  pod: Pod;
  /** What owns it, for errors and events: `the Docker container shop_web_1 (3d26b2445166)`. */
  owner: string;
  /** What to do instead of changing it through the API. */
  remedy: string;
}

export interface DiscoverySyncResult {
  /** Pods not taken, with the reason (also recorded as a Warning event on the Pod). */
  rejected: { namespace: string; name: string; message: string }[];
  /** Every Pod added, changed or removed: old and new versions (for the endpoint recomputation). */
  changed: { namespace: string; objects: (KubeObject | undefined)[] }[];
}

interface Entry { source: string; namespace: string; name: string; input: string; owner: string; remedy: string }

export interface DiscoveredPodOverlay {
  /** Replaces what `source` reports: Pods it no longer lists are removed. */
  sync(source: string, pods: DiscoveredPod[]): DiscoverySyncResult;
  isDiscovered(namespace: string, name: string): boolean;
  /** The 403 for a client's apply or delete of a discovered Pod; undefined for any other object. */
  readOnlyError(kind: KindName, namespace: string, name: string): ApiError | undefined;
}

export function createDiscoveredPodOverlay(o: { index: ObjectIndex; events: EventLog; clock: () => number }): DiscoveredPodOverlay {
  const entries = new Map<string, Entry>();
  // The last rejected input per Pod: an unchanged one is not validated or reported again.
  const rejectedInputs = new Map<string, string>();
  const key = (namespace: string, name: string) => objectKey('Pod', namespace, name);

  return {
    sync(source, pods) {
      const result: DiscoverySyncResult = { rejected: [], changed: [] };
      const changedIn = (namespace: string, ...objects: (KubeObject | undefined)[]) => {
        let c = result.changed.find((x) => x.namespace === namespace);
        if (!c) result.changed.push(c = { namespace, objects: [] });
        c.objects.push(...objects);
      };
      const remove = (k: string, namespace: string, name: string) => {
        const prev = o.index.get('Pod', namespace, name);
        o.index.remove('Pod', namespace, name);
        entries.delete(k);
        changedIn(namespace, prev);
      };
      const reject = (k: string, input: string, d: DiscoveredPod, namespace: string, name: string, message: string) => {
        result.rejected.push({ namespace, name, message });
        if (rejectedInputs.get(k) === input) return;
        rejectedInputs.set(k, input);
        o.events.record({ kind: 'Pod', namespace, name }, 'Warning', 'DiscoveredPodRejected', `${d.owner}: ${message}`, source);
      };

      const wanted = new Map<string, DiscoveredPod>();
      for (const d of pods) {
        const namespace = namespaceOf(d.pod.metadata);
        const name = d.pod.metadata.name ?? '';
        const k = key(namespace, name);
        if (wanted.has(k)) {
          reject(k, JSON.stringify(d.pod), d, namespace, name, `another discovered object is already named ${name}; this one is left out`);
          continue;
        }
        wanted.set(k, d);
      }
      for (const [k, e] of entries) {
        if (e.source === source && !wanted.has(k)) remove(k, e.namespace, e.name);
      }
      for (const k of rejectedInputs.keys()) if (!wanted.has(k)) rejectedInputs.delete(k);

      for (const [k, d] of wanted) {
        const namespace = namespaceOf(d.pod.metadata);
        const name = d.pod.metadata.name ?? '';
        const input = JSON.stringify(d.pod);
        const entry = entries.get(k);
        if (entry && entry.source !== source) {
          reject(k, input, d, namespace, name, `the Pod name is taken by ${entry.owner}`);
          continue;
        }
        if (entry && entry.input === input) {
          entry.owner = d.owner;
          entry.remedy = d.remedy;
          continue;
        }
        if (!entry && o.index.get('Pod', namespace, name)) {
          reject(k, input, d, namespace, name, `a Pod named ${name} was applied through the API; the applied one is kept`);
          continue;
        }
        const prepared = prepareObject(d.pod);
        if (prepared.status !== 'ok') {
          const message = prepared.status === 'invalid' ? invalidError('Pod', name, prepared.errors).message : prepared.reason;
          // What it maps to now cannot be served: a stale version must not stay behind either.
          if (entry) remove(k, namespace, name);
          reject(k, input, d, namespace, name, message);
          continue;
        }
        rejectedInputs.delete(k);
        const obj = prepared.object;
        const prev = o.index.get('Pod', namespace, name);
        obj.metadata.namespace = namespace;
        obj.metadata.uid ??= prev?.metadata.uid ?? crypto.randomUUID();
        obj.metadata.creationTimestamp ??= prev?.metadata.creationTimestamp ?? rfc3339(o.clock());
        obj.metadata.generation = 1;
        // The store numbers it when the registry publishes it.
        delete obj.metadata.resourceVersion;
        o.index.put(obj);
        entries.set(k, { source, namespace, name, input, owner: d.owner, remedy: d.remedy });
        changedIn(namespace, prev, obj);
      }
      return result;
    },
    isDiscovered(namespace, name) {
      return entries.size > 0 && entries.has(key(namespace, name));
    },
    readOnlyError(kind, namespace, name) {
      if (kind !== 'Pod') return undefined;
      const e = entries.get(key(namespace, name));
      if (!e) return undefined;
      return new ApiError(403, 'Forbidden', 'SY_DISCOVERED_READ_ONLY',
        `pods "${name}" is forbidden: it is discovered from ${e.owner} and read-only through the API; ${e.remedy}`,
        { name, kind: 'pods' });
    },
  };
}
