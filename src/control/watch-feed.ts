// Watches: every published change, in revision order, from a given revision on. The history comes
// from the store (changesSince), live changes from its change listener, so a watch sees exactly what
// the store numbered — whether this server made the change or, with a shared store, another did.
// Main thread.
import { ApiError } from '../model/api-error.ts';
import type { ApiKindName, ApiObject } from '../model/types.ts';
import type { Store, StoreChange } from '../store/store.ts';
import type { PublishedCache } from './published-cache.ts';

/** One change a watch delivers: its type, the store's revision, the object at that revision. */
export type WatchChange = StoreChange;

/**
 * `current`: the current objects first (of `kind` only, when given), then changes (resourceVersion
 * unset or "0"); `revision`: the changes after it.
 */
export type WatchStart = { from: 'current'; kind?: ApiKindName } | { from: 'revision'; revision: number };

export interface WatchSink {
  /** `current` watches: the objects at the start, once, before any change. */
  initial?(objects: readonly ApiObject[]): void;
  /** Changes in revision order. */
  changes(changes: readonly StoreChange[]): void;
}

export interface WatchHandle {
  /** The revision the watch has delivered everything up to (bookmarks carry it). */
  revision(): number;
  stop(): void;
}

export function expiredError(revision: number, oldest: number): ApiError {
  return new ApiError(410, 'Expired', 'SY_WATCH_EXPIRED', `too old resource version: ${revision} (${oldest + 1})`);
}

export async function startWatch(store: Store, cache: PublishedCache, start: WatchStart, sink: WatchSink,
  kinds?: (obj: ApiObject) => boolean): Promise<WatchHandle> {
  let delivered = 0;
  let stopped = false;
  let buffering = true;
  const buffer: StoreChange[] = [];
  const deliver = (changes: StoreChange[]) => {
    const fresh = changes.filter((c) => c.revision > delivered && (!kinds || kinds(c.object)));
    if (changes.length > 0) delivered = Math.max(delivered, changes[changes.length - 1].revision);
    if (fresh.length > 0 && !stopped) sink.changes(fresh);
  };
  const unsubscribe = store.onChange((changes) => {
    if (stopped) return;
    if (buffering) buffer.push(...changes);
    else deliver(changes);
  });
  try {
    if (start.from === 'current') {
      // The cache follows the store synchronously, so its snapshot and this listener meet exactly.
      delivered = cache.revision();
      const initial: ApiObject[] = [];
      const all = ['Namespace', 'Service', 'Endpoints', 'EndpointSlice', 'Pod', 'Event', 'Lease'] as const;
      for (const kind of start.kind ? [start.kind] : all) {
        for (const o of cache.list(kind)) if (!kinds || kinds(o)) initial.push(o);
      }
      sink.initial?.(initial);
    } else {
      if (start.revision < store.oldestWatchable()) throw expiredError(start.revision, store.oldestWatchable());
      delivered = start.revision;
      let history: StoreChange[];
      try {
        history = await store.changesSince(start.revision);
      } catch (err) {
        if ((err as { code?: string }).code === 'SY_STORE_COMPACTED') throw expiredError(start.revision, store.oldestWatchable());
        throw err;
      }
      deliver(history);
    }
    buffering = false;
    deliver(buffer.splice(0));
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return {
    revision: () => Math.max(delivered, store.revision()),
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
