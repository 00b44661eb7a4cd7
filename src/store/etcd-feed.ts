// The etcd store's mirror of its prefix and its change feed: filled by one list at start-up, kept
// current by the watch's responses, numbered (etcd-revision.ts), kept as a bounded history for
// watches that resume, and handed to listeners revision by revision — declared inputs first, then
// published objects. Main thread (the etcd client's callbacks).
import type { IKeyValue, IWatchResponse } from 'etcd3';
import type { ApiObject, KubeObject } from '../model/types.ts';
import { etcdRevisionOf, resourceRevision, throughRevision } from './etcd-revision.ts';
import { withVersion, type PublishedEntry } from './number-changes.ts';
import { compactionPoint, type HistoryLimits, type InputChange, type Published, type StoreChange } from './store.ts';
import { StoreError } from './store-error.ts';

export interface EtcdFeed {
  /** The start-up list at etcd revision `revision`. */
  load(kvs: IKeyValue[], revision: number): void;
  /** A new list after the watch lost its place: the difference is delivered as changes. */
  resync(kvs: IKeyValue[], revision: number): void;
  deliver(res: IWatchResponse): void;
  /** Resolves with the changes of etcd revision `revision` once the watch delivered it. */
  committed(revision: number, timeoutMs: number): Promise<StoreChange[]>;
  decodePublished(kv: IKeyValue | undefined): PublishedEntry | undefined;
  encodePublished(position: number, object: ApiObject): Buffer;
  published(key: string): PublishedEntry | undefined;
  claim(key: string): string | undefined;
  leader(name: string): IKeyValue | undefined;
  onLeader(fn: (name: string) => void): () => void;
  declared(): KubeObject[];
  loadPublished(): Published;
  changesSince(revision: number): StoreChange[];
  /** The newest etcd revision delivered. */
  etcdRevision(): number;
  revision(): number;
  oldestWatchable(): number;
  onChange(fn: (changes: StoreChange[]) => void): () => void;
  onInputChange(fn: (changes: InputChange[]) => void): () => void;
  close(): void;
}

export function createEtcdFeed(o: { prefix: string; location: string; limits: HistoryLimits; clock?: () => number }): EtcdFeed {
  const clock = o.clock ?? Date.now;
  const declared = new Map<string, string>();
  const published = new Map<string, PublishedEntry>();
  const claims = new Map<string, string>();
  const leaders = new Map<string, IKeyValue>();
  const history: (StoreChange & { at: number })[] = [];
  const listeners = new Set<(changes: StoreChange[]) => void>();
  const inputListeners = new Set<(changes: InputChange[]) => void>();
  const leaderListeners = new Set<(name: string) => void>();
  const waiters = new Set<{ revision: number; resolve(): void }>();
  let delivered = 0;
  let compacted = 0;

  const decodePublished = (kv: IKeyValue | undefined): PublishedEntry | undefined => {
    if (!kv) return undefined;
    let v: { i: number; o: ApiObject };
    try {
      v = JSON.parse(kv.value.toString()) as { i: number; o: ApiObject };
    } catch (err) {
      throw new StoreError('SY_STORE_CORRUPT', o.location, `etcd key ${kv.key.toString()} does not hold a switchyard object; remove it (etcdctl del) or use another --etcd-prefix`, { cause: err });
    }
    const revision = resourceRevision(Number(kv.mod_revision), v.i);
    return { revision, object: withVersion(v.o, revision) };
  };

  /** Applies one kv to the mirror; returns what it means for listeners. */
  const classify = (key: string) => {
    const rest = key.slice(o.prefix.length);
    const slash = rest.indexOf('/');
    return { space: rest.slice(0, slash), name: rest.slice(slash + 1) };
  };

  const loadInto = (kvs: IKeyValue[]) => {
    declared.clear(); published.clear(); claims.clear(); leaders.clear();
    for (const kv of kvs) {
      const { space, name } = classify(kv.key.toString());
      if (space === 'declared') declared.set(name, kv.value.toString());
      else if (space === 'published') published.set(name, decodePublished(kv)!);
      else if (space === 'claims') claims.set(name, kv.value.toString());
      else if (space === 'leader') leaders.set(name, kv);
    }
  };

  const compact = () => {
    const cutoffAt = clock() - o.limits.keepMs;
    let newestExpired = 0;
    for (const c of history) { if (c.at < cutoffAt) newestExpired = c.revision; else break; }
    const newest = history.length ? history[history.length - 1].revision : 0;
    const point = compactionPoint(newest, newestExpired, o.limits);
    let drop = 0;
    while (drop < history.length && history[drop].revision <= point) drop++;
    if (drop > 0) compacted = Math.max(compacted, history[drop - 1].revision);
    if (drop > 0) history.splice(0, drop);
  };

  const emit = (inputs: InputChange[], changes: StoreChange[]) => {
    if (inputs.length > 0) for (const fn of inputListeners) fn(inputs.map((c) => ({ ...c, object: c.object && structuredClone(c.object) })));
    if (changes.length === 0) return;
    const at = clock();
    for (const c of changes) history.push({ ...c, at });
    compact();
    for (const fn of listeners) fn(changes.map((c) => ({ ...c, object: structuredClone(c.object) })));
  };

  const release = () => {
    for (const w of waiters) if (w.revision <= delivered) { waiters.delete(w); w.resolve(); }
  };

  function applyRevision(rev: number, events: IWatchResponse['events']) {
    const inputs: InputChange[] = [];
    const changes: StoreChange[] = [];
    const leadersTouched: string[] = [];
    let position = 0;
    for (const e of events) {
      const { space, name } = classify(e.kv.key.toString());
      const put = e.type === 'Put';
      if (space === 'declared') {
        if (put) declared.set(name, e.kv.value.toString()); else declared.delete(name);
        inputs.push({ key: name, object: put ? JSON.parse(e.kv.value.toString()) as KubeObject : undefined });
      } else if (space === 'published') {
        const prev = published.get(name);
        if (put) {
          const entry = decodePublished(e.kv)!;
          published.set(name, entry);
          changes.push({ type: prev ? 'MODIFIED' : 'ADDED', revision: entry.revision, key: name, object: entry.object });
        } else {
          const last = prev ?? decodePublished(e.prev_kv);
          published.delete(name);
          if (last) {
            const revision = resourceRevision(rev, position);
            changes.push({ type: 'DELETED', revision, key: name, object: withVersion(last.object, revision) });
          }
        }
        position++;
      } else if (space === 'claims') {
        if (put) claims.set(name, e.kv.value.toString()); else claims.delete(name);
      } else if (space === 'leader') {
        if (put) leaders.set(name, e.kv); else leaders.delete(name);
        leadersTouched.push(name);
      }
    }
    delivered = rev;
    emit(inputs, changes);
    for (const n of leadersTouched) for (const fn of leaderListeners) fn(n);
  }

  return {
    load(kvs, revision) {
      loadInto(kvs);
      delivered = revision;
      compacted = throughRevision(revision);
    },
    resync(kvs, revision) {
      const oldDeclared = new Map(declared);
      const oldPublished = new Map(published);
      const leaderNames = new Set(leaders.keys());
      loadInto(kvs);
      for (const n of leaders.keys()) leaderNames.add(n);
      const inputs: InputChange[] = [];
      for (const [k, json] of declared) if (oldDeclared.get(k) !== json) inputs.push({ key: k, object: JSON.parse(json) as KubeObject });
      for (const k of oldDeclared.keys()) if (!declared.has(k)) inputs.push({ key: k });
      const changes: StoreChange[] = [];
      for (const [k, e] of published) {
        const was = oldPublished.get(k);
        if (!was || was.revision !== e.revision) changes.push({ type: was ? 'MODIFIED' : 'ADDED', revision: e.revision, key: k, object: e.object });
      }
      // Deletions missed while away are numbered at the end of the new list's revision.
      const through = throughRevision(revision);
      for (const [k, e] of oldPublished) if (!published.has(k)) changes.push({ type: 'DELETED', revision: through, key: k, object: withVersion(e.object, through) });
      changes.sort((a, b) => a.revision - b.revision);
      delivered = revision;
      // The history has a gap: a watch that resumes from before it lists again.
      history.length = 0;
      compacted = through;
      emit(inputs, changes);
      for (const n of leaderNames) for (const fn of leaderListeners) fn(n);
      release();
    },
    deliver(res) {
      const events = res.events;
      let i = 0;
      while (i < events.length) {
        const rev = Number(events[i].kv.mod_revision);
        let j = i + 1;
        while (j < events.length && Number(events[j].kv.mod_revision) === rev) j++;
        if (rev > delivered) applyRevision(rev, events.slice(i, j));
        i = j;
      }
      release();
    },
    committed(revision, timeoutMs) {
      const collect = () => history.filter((c) => etcdRevisionOf(c.revision) === revision).map(({ at: _at, ...c }) => ({ ...c, object: structuredClone(c.object) }));
      if (delivered >= revision) return Promise.resolve(collect());
      return new Promise((resolve, reject) => {
        const w = { revision, resolve: () => { clearTimeout(timer); resolve(collect()); } };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new StoreError('SY_STORE_UNAVAILABLE', o.location, `the change was committed to etcd (revision ${revision}) but this instance's watch has not delivered it within ${timeoutMs / 1000} s; it shows once the watch catches up`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    decodePublished,
    encodePublished(position, object) {
      const { resourceVersion: _rv, ...meta } = object.metadata;
      return Buffer.from(JSON.stringify({ i: position, o: { ...object, metadata: meta } }));
    },
    published: (key) => published.get(key),
    claim: (key) => claims.get(key),
    leader: (name) => leaders.get(name),
    onLeader(fn) { leaderListeners.add(fn); return () => { leaderListeners.delete(fn); }; },
    declared: () => [...declared.keys()].sort().map((k) => JSON.parse(declared.get(k)!) as KubeObject),
    loadPublished: () => ({ revision: throughRevision(delivered), objects: [...published.values()].map((e) => structuredClone(e.object)) }),
    changesSince(since) {
      if (since < compacted) throw new StoreError('SY_STORE_COMPACTED', o.location, `too old resource version: ${since} (${compacted + 1})`);
      return history.filter((c) => c.revision > since).map(({ at: _at, ...c }) => ({ ...c, object: structuredClone(c.object) }));
    },
    etcdRevision: () => delivered,
    revision: () => throughRevision(delivered),
    oldestWatchable: () => compacted,
    onChange(fn) { listeners.add(fn); return () => { listeners.delete(fn); }; },
    onInputChange(fn) { inputListeners.add(fn); return () => { inputListeners.delete(fn); }; },
    close() { listeners.clear(); inputListeners.clear(); leaderListeners.clear(); },
  };
}
