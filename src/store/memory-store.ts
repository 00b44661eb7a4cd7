// The Store contract in memory: the reference for tests and for what an etcd store must do (a
// numbered change per published object, a bounded history, listeners in revision order). Nothing
// survives the process. Main thread.
import type { ApiObject, KubeObject } from '../model/types.ts';
import { numberChanges, type PublishedEntry } from './number-changes.ts';
import { compactionPoint, DEFAULT_HISTORY, type HistoryLimits, type Store, type StoreChange, type StoreOp } from './store.ts';
import { StoreError } from './store-error.ts';

export interface MemoryStoreOptions {
  history?: Partial<HistoryLimits>;
  clock?: () => number;
  /** Called with each commit's ops before it is applied; throwing fails the commit (fault tests). */
  beforeCommit?(ops: StoreOp[]): void;
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): Store {
  const limits = { ...DEFAULT_HISTORY, ...opts.history };
  const clock = opts.clock ?? Date.now;
  const inputs = new Map<string, string>();
  const published = new Map<string, PublishedEntry>();
  const history: (StoreChange & { at: number })[] = [];
  const listeners = new Set<(changes: StoreChange[]) => void>();
  let revision = 0;
  let compacted = 0;

  const compact = () => {
    const cutoffAt = clock() - limits.keepMs;
    let newestExpired = 0;
    for (const c of history) { if (c.at < cutoffAt) newestExpired = c.revision; else break; }
    const point = compactionPoint(revision, newestExpired, limits);
    while (history.length > 0 && history[0].revision <= point) compacted = history.shift()!.revision;
  };

  return {
    load: async () => [...inputs.keys()].sort().map((k) => JSON.parse(inputs.get(k)!) as KubeObject),
    loadPublished: async () => ({ revision, objects: [...published.values()].map((e) => structuredClone(e.object)) }),
    async commit(ops) {
      opts.beforeCommit?.(ops);
      const changes = numberChanges(ops, revision, (k) => published.get(k), 'memory');
      for (const o of ops) {
        if (o.op === 'put') inputs.set(o.key, JSON.stringify(o.object));
        else if (o.op === 'delete') inputs.delete(o.key);
      }
      const at = clock();
      for (const c of changes) {
        if (c.type === 'DELETED') published.delete(c.key);
        else published.set(c.key, { object: c.object, revision: c.revision });
        history.push({ ...c, at });
        revision = c.revision;
      }
      compact();
      if (changes.length > 0) for (const fn of listeners) fn(changes.map((c) => ({ ...c, object: structuredClone(c.object) })));
      return changes.map((c) => ({ ...c, object: structuredClone(c.object) }));
    },
    async changesSince(since) {
      if (since < compacted) {
        throw new StoreError('SY_STORE_COMPACTED', 'memory', `too old resource version: ${since} (${compacted + 1})`);
      }
      return history.filter((c) => c.revision > since).map(({ at: _at, ...c }) => ({ ...c, object: structuredClone(c.object) as ApiObject }));
    },
    revision: () => revision,
    oldestWatchable: () => compacted,
    onChange(fn) {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },
    close: async () => { listeners.clear(); },
  };
}
