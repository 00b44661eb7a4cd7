// The Store on etcd, for several switchyard instances that act as one. Main thread.
//
// Keys (under the prefix, default /switchyard/): `declared/KEY` the objects users applied,
// `published/KEY` the API objects as clients read them (`{"i":position,"o":object}`), `claims/…`
// the ClusterIP and NodePort allocations, `leader/NAME` the leader leases.
//
// Everything is mirrored in memory from one etcd watch over the prefix, and every read is served
// from that mirror, so it is as of one etcd revision: a list and the watch after it meet exactly.
// Every change reaches this instance through that watch, its own commits included: commit() sends
// one transaction and resolves once the watch has delivered its revision, so listeners see every
// instance's changes in etcd's order and never one of them twice. Transactions compare the
// mod_revision of every published key they touch (numbering needs the previous state), the owner
// of every claim, and for a fenced commit the leader key; a compare that fails because this
// instance's mirror was behind is retried with the current values read in the same transaction.
//
// Losing etcd: reads go on from the mirror (the last known state), status() says not ready,
// commits fail with SY_STORE_UNAVAILABLE. The watch resumes from the next revision when etcd is
// back; if etcd compacted that revision meanwhile, everything is listed again at the current one
// and the difference is delivered as changes.
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher, type ICompare, type IRequestOp } from 'etcd3';
import { etcdClientOptions, type EtcdConnection } from './etcd-connection.ts';
import { EtcdContact } from './etcd-contact.ts';
import { startEtcdElection, type EtcdElection } from './etcd-election.ts';
import { createEtcdFeed, type EtcdFeed } from './etcd-feed.ts';
import { etcdRevisionOf } from './etcd-revision.ts';
import { numberChanges, type PublishedEntry } from './number-changes.ts';
import { DEFAULT_HISTORY, type CommitOptions, type HistoryLimits, type InputChange, type Store, type StoreChange, type StoreOp, type StoreStatus } from './store.ts';
import { StoreError } from './store-error.ts';

export interface EtcdStoreOptions {
  history?: Partial<HistoryLimits>;
  /** How long a request to etcd may take before the store reports it unreachable (default 5 s). */
  requestTimeoutMs?: number;
  log?: (message: string) => void;
}

/** Ops per etcd transaction: etcd's default --max-txn-ops is 128 (compares are counted apart). */
const MAX_TXN_OPS = 100;
const MAX_ATTEMPTS = 10;

/** A StoreError SY_STORE_CONFLICT whose `claimed` lists the allocations another owner holds. */
export class ClaimConflictError extends StoreError {
  readonly claimed: string[];
  constructor(file: string, claimed: string[]) {
    super('SY_STORE_CONFLICT', file, `already allocated by another writer: ${claimed.join(', ')}; allocate again`);
    this.claimed = claimed;
  }
}

export async function openEtcdStore(conn: EtcdConnection, opts: EtcdStoreOptions = {}): Promise<Store> {
  const location = conn.endpoints.join(',');
  const log = opts.log ?? (() => {});
  const timeout = opts.requestTimeoutMs ?? 5000;
  const client = new Etcd3(etcdClientOptions(conn));
  const P = conn.prefix;
  const callOpts = () => ({ deadline: Date.now() + timeout });
  const unavailable = (err: unknown, doing: string) => new StoreError('SY_STORE_UNAVAILABLE', location,
    `etcd at ${location} did not answer while ${doing} (${(err as Error).message}); nothing was changed unless the change shows up once etcd is back. Check that a majority of the etcd members run and are reachable.`,
    { cause: err });

  let feed: EtcdFeed;
  try {
    const all = await client.getAll().prefix(P).options(callOpts()).exec();
    feed = createEtcdFeed({ prefix: P, location, limits: { ...DEFAULT_HISTORY, ...opts.history } });
    feed.load(all.kvs, Number(all.header.revision));
  } catch (err) {
    client.close();
    throw err instanceof StoreError ? err : unavailable(err, 'listing the stored objects at start-up');
  }

  let open = true;
  let watcher: Watcher | undefined;
  const contact = new EtcdContact(Date.now);

  const watch = async (fromRevision: number) => {
    const w = await client.watch().prefix(P).startRevision(String(fromRevision)).withPreviousKV().create();
    contact.watchConnected();
    w.on('data', (res: IWatchResponse) => { contact.answered(); feed.deliver(res); });
    // Connected again is no contact yet (etcd-contact.ts): the ping or data must follow.
    w.on('connected', () => contact.watchConnected());
    w.on('disconnected', (err: Error) => contact.watchLost(err));
    w.on('error', (err: Error) => {
      // etcd cancelled the watch (its start revision was compacted while this instance was away):
      // list everything again at the current revision and deliver the difference.
      contact.watchLost(err);
      if (open) relist().catch((e: Error) => contact.failed(e));
    });
    watcher = w;
  };
  const relist = async () => {
    await watcher?.cancel().catch(() => undefined);
    for (let delay = 200; open; delay = Math.min(delay * 2, 5000)) {
      try {
        const all = await client.getAll().prefix(P).options(callOpts()).exec();
        contact.answered();
        feed.resync(all.kvs, Number(all.header.revision));
        log(`etcd watch restarted: listed everything again at revision ${all.header.revision}`);
        await watch(Number(all.header.revision) + 1);
        return;
      } catch (err) {
        contact.failed(err as Error);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  };
  await watch(feed.etcdRevision() + 1);

  // A watch stream can sit silent on a dead connection, and one that reconnected after an outage
  // has been seen to deliver nothing more. One cheap read a second (the newest mod_revision under
  // the prefix, linearizable) says whether a majority answers, and whether the watch is behind:
  // behind for three reads in a row, it is replaced by a fresh list and watch.
  let behind = 0;
  const ping = setInterval(() => {
    client.kv.range({ key: Buffer.from(P), range_end: prefixEnd(P), sort_order: 'Descend', sort_target: 'Mod', limit: 1, keys_only: true }, { deadline: Date.now() + 1000 })
      .then((res) => {
        contact.answered();
        const newest = Number(res.kvs[0]?.mod_revision ?? 0);
        behind = newest > feed.etcdRevision() ? behind + 1 : 0;
        if (behind >= 3 && open) {
          behind = 0;
          log(`etcd watch is behind (revision ${feed.etcdRevision()}, etcd has ${newest}); listing again`);
          relist().catch((e: Error) => contact.failed(e));
        }
      }, (err: Error) => contact.failed(err));
  }, 1000);
  ping.unref();

  const elections = new Set<EtcdElection>();
  const fences = new Map<string, EtcdElection>();
  let serial: Promise<unknown> = Promise.resolve();

  const ensureOpen = () => {
    if (!open) throw new StoreError('SY_STORE_CLOSED', location, 'the etcd store is closed; this is a bug in the caller.');
  };

  /** One transaction for `ops` (no key twice); returns its changes once the watch delivered them. */
  async function commitChunk(ops: StoreOp[], options: CommitOptions): Promise<StoreChange[]> {
    const fresh = new Map<string, IKeyValue | null>();
    for (let attempt = 1; ; attempt++) {
      const lookup = (key: string): PublishedEntry | undefined => {
        const k = `${P}published/${key}`;
        return fresh.has(k) ? feed.decodePublished(fresh.get(k) ?? undefined) : feed.published(key);
      };
      const changes = numberChanges(ops, 0, lookup, location);
      const compare: ICompare[] = [];
      const success: IRequestOp[] = [];
      const recheck: string[] = [];
      const claimed: string[] = [];
      const byKey = new Map(changes.map((c) => [c.key, c]));
      for (const o of ops) {
        if (o.op === 'put') success.push({ request_put: { key: Buffer.from(`${P}declared/${o.key}`), value: Buffer.from(JSON.stringify(o.object)) } });
        else if (o.op === 'delete') success.push({ request_delete_range: { key: Buffer.from(`${P}declared/${o.key}`) } });
        else if (o.op === 'publish' || o.op === 'unpublish') {
          const c = byKey.get(o.key);
          if (!c) continue; // an unpublish of an absent object
          const k = `${P}published/${o.key}`;
          const prev = lookup(o.key);
          compare.push({ key: Buffer.from(k), target: 'Mod', result: 'Equal', mod_revision: prev ? etcdRevisionOf(prev.revision) : 0 });
          recheck.push(k);
          if (c.type === 'DELETED') success.push({ request_delete_range: { key: Buffer.from(k) } });
          else success.push({ request_put: { key: Buffer.from(k), value: feed.encodePublished(c.revision - 1, c.object) } });
        } else {
          const k = `${P}claims/${o.key}`;
          const holder = fresh.has(k) ? fresh.get(k)?.value.toString() : feed.claim(o.key);
          if (o.op === 'claim') {
            if (holder !== undefined && holder !== o.owner) { claimed.push(o.key); continue; }
            compare.push(holder === undefined
              ? { key: Buffer.from(k), target: 'Create', result: 'Equal', create_revision: 0 }
              : { key: Buffer.from(k), target: 'Value', result: 'Equal', value: Buffer.from(o.owner) });
            recheck.push(k);
            if (holder === undefined) success.push({ request_put: { key: Buffer.from(k), value: Buffer.from(o.owner) } });
          } else if (holder === o.owner) {
            compare.push({ key: Buffer.from(k), target: 'Value', result: 'Equal', value: Buffer.from(o.owner) });
            recheck.push(k);
            success.push({ request_delete_range: { key: Buffer.from(k) } });
          }
        }
      }
      if (claimed.length > 0) throw new ClaimConflictError(location, claimed);
      if (options.fenced) {
        for (const [name, election] of fences) {
          const c = election.fence();
          if (!c) throw new StoreError('SY_STORE_FENCED', location, `this instance no longer holds the leader lease ${name}; the new leader writes what the controllers compute`);
          compare.push(...c);
          recheck.push(`${P}leader/${name}`);
        }
      }
      if (success.length === 0) return [];
      let res;
      try {
        res = await client.kv.txn({
          compare, success,
          failure: recheck.map((k) => ({ request_range: { key: Buffer.from(k) } })),
        }, callOpts());
      } catch (err) {
        throw unavailable(err, 'committing a change');
      }
      contact.answered();
      const rev = Number(res.header.revision);
      if (res.succeeded) return feed.committed(rev, timeout * 6);
      for (let i = 0; i < recheck.length; i++) fresh.set(recheck[i], res.responses[i]?.response_range?.kvs[0] ?? null);
      if (options.fenced) {
        for (const [name, election] of fences) {
          if (!election.holds(fresh.get(`${P}leader/${name}`) ?? undefined)) throw new StoreError('SY_STORE_FENCED', location, `this instance lost the leader lease ${name}; the new leader writes what the controllers compute`);
        }
      }
      if (attempt >= MAX_ATTEMPTS) throw new StoreError('SY_STORE_CONFLICT', location, `the change kept racing other writers (${attempt} attempts); retry`);
    }
  }

  return {
    load: async () => { ensureOpen(); return feed.declared(); },
    loadPublished: async () => { ensureOpen(); return feed.loadPublished(); },
    commit(ops, options = {}) {
      ensureOpen();
      const run = async () => {
        const out: StoreChange[] = [];
        for (const chunk of chunks(ops)) out.push(...await commitChunk(chunk, options));
        return out;
      };
      const p = serial.then(run, run);
      serial = p.catch(() => undefined);
      return p;
    },
    changesSince: async (since) => feed.changesSince(since),
    revision: () => feed.revision(),
    oldestWatchable: () => feed.oldestWatchable(),
    onChange: (fn) => feed.onChange(fn),
    async close() {
      if (!open) return;
      open = false;
      clearInterval(ping);
      for (const e of [...elections]) await e.close().catch(() => undefined);
      await watcher?.cancel().catch(() => undefined);
      feed.close();
      client.close();
    },
    shared: {
      location,
      onInputChange: (fn: (changes: InputChange[]) => void) => feed.onInputChange(fn),
      status(): StoreStatus {
        const { ready, silentMs } = contact.state();
        if (ready) return { ready: true, message: `etcd ${location} at revision ${feed.etcdRevision()}` };
        const why = contact.lastError;
        return { ready: false, message: `etcd ${location} unreachable for ${Math.round(silentMs / 1000)} s${why ? ` (${why})` : ''}; serving the last known state of revision ${feed.etcdRevision()}` };
      },
      elect(name, options) {
        const e = startEtcdElection({ client, key: `${P}leader/${name}`, feed, name, options, log });
        elections.add(e);
        fences.set(name, e);
        return {
          leading: e.leading, state: e.state,
          close: async () => { elections.delete(e); fences.delete(name); await e.close(); },
        };
      },
    },
  };
}

/** The range end that covers every key starting with `prefix`. */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  b[b.length - 1]++;
  return b;
}

/** Splits `ops` into transactions: at most MAX_TXN_OPS each, no key twice in one (etcd refuses that). */
function chunks(ops: StoreOp[]): StoreOp[][] {
  const out: StoreOp[][] = [];
  let cur: StoreOp[] = [];
  let keys = new Set<string>();
  for (const o of ops) {
    const k = `${o.op === 'put' || o.op === 'delete' ? 'd' : o.op === 'claim' || o.op === 'release' ? 'c' : 'p'}:${o.key}`;
    if (cur.length >= MAX_TXN_OPS || keys.has(k)) { out.push(cur); cur = []; keys = new Set(); }
    cur.push(o);
    keys.add(k);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
