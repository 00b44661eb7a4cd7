// The embedded store: one SQLite file (node:sqlite) in the state directory. Main thread only.
//
// Durability: WAL journal with synchronous=FULL, so a commit is fsync'd to the WAL before
// commit() resolves and survives kill -9 or power loss; SQLite replays the WAL on the next open.
// Exclusion: locking_mode=EXCLUSIVE makes this connection hold the database file lock (an fcntl
// lock, which the kernel drops when the process dies, so there is no stale lock file to clean
// up) until close(); a second server on the same directory fails fast with SY_STORE_LOCKED.
// Bad state (not a database, corrupt pages, a newer schema) is reported and never repaired or
// recreated: the operator decides whether to move the file aside.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ApiObject, KubeObject } from '../model/types.ts';
import { numberChanges, type PublishedEntry } from './number-changes.ts';
import { compactionPoint, DEFAULT_HISTORY, type HistoryLimits, type Store, type StoreChange, type StoreOp } from './store.ts';
import { StoreError } from './store-error.ts';

export const STATE_FILE = 'switchyard.db';
/** 1: declared inputs only; 2: published API objects, their revision and the change history. */
export const SCHEMA_VERSION = 2;

export interface SqliteStoreOptions {
  history?: Partial<HistoryLimits>;
  clock?: () => number;
}

// SQLite primary result codes (errcode & 0xff) that decide which error the operator sees.
const SQLITE_PERM = 3;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

function reason(err: unknown): string {
  return (err as { errstr?: string }).errstr ?? (err instanceof Error ? err.message : String(err));
}

const moveAside = (file: string) =>
  `Nothing was changed. Stop switchyard and move the file aside (mv '${file}' '${file}.bad') to start with an empty state, or restore it from a backup.`;

/** Turns a node:sqlite error into the StoreError an operator can act on. */
function storeError(err: unknown, file: string, doing: string): StoreError {
  const code = sqliteCode(err);
  const why = reason(err);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
    return new StoreError('SY_STORE_LOCKED', file,
      `state file ${file} is in use by another switchyard process (${why}). Stop the other server, or give this one its own state directory (serve --state-dir DIR, or SWITCHYARD_STATE_DIR).`,
      { cause: err });
  }
  if (code === SQLITE_NOTADB || code === SQLITE_CORRUPT) {
    return new StoreError('SY_STORE_CORRUPT', file,
      `state file ${file} is not a valid switchyard database (${why}) while ${doing}. ${moveAside(file)}`, { cause: err });
  }
  if (code === SQLITE_FULL) {
    return new StoreError('SY_STORE_WRITE', file,
      `cannot write state file ${file}: the disk is full. The change was not applied; free some space and retry.`, { cause: err });
  }
  if (code === SQLITE_CANTOPEN || code === SQLITE_PERM || code === SQLITE_READONLY || code === SQLITE_IOERR) {
    return new StoreError('SY_STORE_UNREADABLE', file,
      `cannot use state file ${file} (${why}) while ${doing}. Check that it and its directory exist and are readable and writable by this user, or choose another state directory (serve --state-dir DIR, or SWITCHYARD_STATE_DIR).`,
      { cause: err });
  }
  return new StoreError('SY_STORE_UNREADABLE', file, `state file ${file}: ${why} while ${doing}. ${moveAside(file)}`, { cause: err });
}

function prepareDir(dir: string, file: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StoreError('SY_STORE_UNREADABLE', file,
      `cannot use state directory ${dir} (${(err as Error).message}). Make it readable and writable by this user, or choose another state directory (serve --state-dir DIR, or SWITCHYARD_STATE_DIR).`,
      { cause: err });
  }
  let isFile = true;
  try { isFile = statSync(file).isFile(); } catch { /* absent: SQLite creates it */ }
  if (!isFile) {
    throw new StoreError('SY_STORE_UNREADABLE', file, `state file ${file} exists but is not a regular file. Move it aside or choose another state directory (serve --state-dir DIR, or SWITCHYARD_STATE_DIR).`);
  }
}

/** Creates the schema in an empty file, or checks that an existing file is ours and not newer. */
function initSchema(db: DatabaseSync, file: string): void {
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r.name)),
  );
  if (tables.size === 0) {
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    db.exec('CREATE TABLE objects (key TEXT PRIMARY KEY, json TEXT NOT NULL)');
    createVersion2Tables(db);
    db.prepare("INSERT INTO meta (k, v) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    db.exec('COMMIT');
    return;
  }
  if (!tables.has('meta') || !tables.has('objects')) {
    throw new StoreError('SY_STORE_CORRUPT', file, `state file ${file} is an SQLite database but not a switchyard store (tables: ${[...tables].join(', ')}). ${moveAside(file)}`);
  }
  const row = db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get();
  const version = row ? Number(row.v) : NaN;
  if (!Number.isInteger(version) || version < 1) {
    throw new StoreError('SY_STORE_CORRUPT', file, `state file ${file} has no valid schema version (${row ? String(row.v) : 'missing'}). ${moveAside(file)}`);
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError('SY_STORE_VERSION', file,
      `state file ${file} has schema version ${version}, written by a newer switchyard (this one understands ${SCHEMA_VERSION}). Run the newer switchyard, or move the file aside to start with an empty state.`);
  }
  const check = db.prepare('PRAGMA quick_check').all().map((r) => String(r.quick_check));
  if (check.length !== 1 || check[0] !== 'ok') {
    throw new StoreError('SY_STORE_CORRUPT', file, `state file ${file} failed its integrity check (${check.slice(0, 3).join('; ')}). ${moveAside(file)}`);
  }
  // Reading alone may leave only a shared lock; a write transaction takes the exclusive lock now
  // rather than at the first apply, so a second server is refused at startup.
  db.exec('BEGIN IMMEDIATE');
  if (version === 1) {
    // Version 1 numbered objects in the registry; the revision continues from the highest one, so
    // resourceVersions keep increasing across the upgrade. Published objects appear at start-up.
    createVersion2Tables(db);
    let highest = 0;
    for (const r of db.prepare('SELECT json FROM objects').all()) {
      try { highest = Math.max(highest, Number((JSON.parse(String(r.json)) as KubeObject).metadata?.resourceVersion) || 0); } catch { /* reported by load() */ }
    }
    db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('revision', ?)").run(String(highest));
    db.prepare("UPDATE meta SET v = ? WHERE k = 'schema_version'").run(String(SCHEMA_VERSION));
  }
  db.exec('COMMIT');
}

function createVersion2Tables(db: DatabaseSync): void {
  db.exec('CREATE TABLE resources (key TEXT PRIMARY KEY, rev INTEGER NOT NULL, json TEXT NOT NULL)');
  db.exec('CREATE TABLE changes (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL)');
  db.exec('CREATE INDEX changes_at ON changes (at)');
  db.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('revision', '0'), ('compacted', '0')");
}

export async function openSqliteStore(dir: string, opts: SqliteStoreOptions = {}): Promise<Store> {
  const limits = { ...DEFAULT_HISTORY, ...opts.history };
  const clock = opts.clock ?? Date.now;
  const file = join(dir, STATE_FILE);
  prepareDir(dir, file);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (err) {
    throw storeError(err, file, 'opening');
  }
  try {
    // Order matters: exclusive locking must be set before the first WAL access so SQLite keeps
    // the WAL index in process memory (no -shm file) and holds the file lock.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const mode = db.prepare('PRAGMA journal_mode = WAL').get();
    if (String(mode?.journal_mode).toLowerCase() !== 'wal') {
      throw new StoreError('SY_STORE_UNREADABLE', file, `state file ${file} cannot be switched to WAL journaling (got ${String(mode?.journal_mode)}). Check the file system supports file locking, or choose another state directory (serve --state-dir DIR, or SWITCHYARD_STATE_DIR).`);
    }
    db.exec('PRAGMA synchronous = FULL');
    initSchema(db, file);
  } catch (err) {
    try { db.close(); } catch { /* already failing */ }
    throw err instanceof StoreError ? err : storeError(err, file, 'opening');
  }

  const put = db.prepare('INSERT INTO objects (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json');
  const del = db.prepare('DELETE FROM objects WHERE key = ?');
  const all = db.prepare('SELECT key, json FROM objects ORDER BY key');
  const resourceGet = db.prepare('SELECT rev, json FROM resources WHERE key = ?');
  const resourcePut = db.prepare('INSERT INTO resources (key, rev, json) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev, json = excluded.json');
  const resourceDel = db.prepare('DELETE FROM resources WHERE key = ?');
  const resourceAll = db.prepare('SELECT key, rev, json FROM resources ORDER BY key');
  const changePut = db.prepare('INSERT INTO changes (rev, key, type, at, json) VALUES (?, ?, ?, ?, ?)');
  const changesAfter = db.prepare('SELECT rev, key, type, json FROM changes WHERE rev > ? ORDER BY rev');
  const newestBefore = db.prepare('SELECT MAX(rev) AS rev FROM changes WHERE at < ?');
  const changesDrop = db.prepare('DELETE FROM changes WHERE rev <= ?');
  const metaGet = db.prepare('SELECT v FROM meta WHERE k = ?');
  const metaSet = db.prepare('UPDATE meta SET v = ? WHERE k = ?');
  const listeners = new Set<(changes: StoreChange[]) => void>();
  let open = true;
  let revision = Number(metaGet.get('revision')?.v ?? 0);
  let compacted = Number(metaGet.get('compacted')?.v ?? 0);
  // Compaction runs at most once a second, or sooner when a burst outgrows the history's cap.
  let compactedAt = -Infinity;
  let sinceCompaction = 0;

  const ensureOpen = () => {
    if (!open) throw new StoreError('SY_STORE_CLOSED', file, `state file ${file} is closed; this is a bug in the caller.`);
  };
  const parse = <T>(json: unknown, what: string): T => {
    try {
      return JSON.parse(String(json)) as T;
    } catch (err) {
      throw new StoreError('SY_STORE_CORRUPT', file, `state file ${file}: ${what} is not valid JSON. ${moveAside(file)}`, { cause: err });
    }
  };
  const lookup = (key: string): PublishedEntry | undefined => {
    const row = resourceGet.get(key);
    return row ? { revision: Number(row.rev), object: parse<ApiObject>(row.json, `object ${key}`) } : undefined;
  };

  return {
    async load(): Promise<KubeObject[]> {
      ensureOpen();
      let rows: Record<string, unknown>[];
      try {
        rows = all.all();
      } catch (err) {
        throw storeError(err, file, 'reading objects');
      }
      return rows.map((r) => parse<KubeObject>(r.json, `object ${String(r.key)}`));
    },

    async loadPublished() {
      ensureOpen();
      let rows: Record<string, unknown>[];
      try {
        rows = resourceAll.all();
      } catch (err) {
        throw storeError(err, file, 'reading published objects');
      }
      return { revision, objects: rows.map((r) => parse<ApiObject>(r.json, `published object ${String(r.key)}`)) };
    },

    async commit(ops: StoreOp[]): Promise<StoreChange[]> {
      ensureOpen();
      if (ops.length === 0) return [];
      let changes: StoreChange[];
      let newCompacted = compacted;
      try {
        db.exec('BEGIN IMMEDIATE');
        changes = numberChanges(ops, revision, lookup, file);
        for (const o of ops) {
          if (o.op === 'put') put.run(o.key, JSON.stringify(o.object));
          else if (o.op === 'delete') del.run(o.key);
        }
        const at = clock();
        for (const c of changes) {
          const json = JSON.stringify(c.object);
          if (c.type === 'DELETED') resourceDel.run(c.key);
          else resourcePut.run(c.key, c.revision, json);
          changePut.run(c.revision, c.key, c.type, at, json);
        }
        const newest = changes.length > 0 ? changes[changes.length - 1].revision : revision;
        sinceCompaction += changes.length;
        if (newest !== revision) metaSet.run(String(newest), 'revision');
        if (newest !== revision && (at - compactedAt >= 1000 || sinceCompaction >= limits.minChanges)) {
          compactedAt = at;
          sinceCompaction = 0;
          const expired = Number(newestBefore.get(at - limits.keepMs)?.rev ?? 0);
          const point = compactionPoint(newest, expired, limits);
          if (point > compacted) {
            changesDrop.run(point);
            metaSet.run(String(point), 'compacted');
            newCompacted = point;
          }
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) {
          try { db.exec('ROLLBACK'); } catch { /* the connection is unusable; the error below says why */ }
        }
        throw err instanceof StoreError ? err : storeError(err, file, 'committing');
      }
      if (changes.length > 0) revision = changes[changes.length - 1].revision;
      compacted = newCompacted;
      if (changes.length > 0) for (const fn of listeners) fn(changes.map((c) => ({ ...c, object: structuredClone(c.object) })));
      return changes;
    },

    async changesSince(since: number): Promise<StoreChange[]> {
      ensureOpen();
      if (since < compacted) {
        throw new StoreError('SY_STORE_COMPACTED', file, `too old resource version: ${since} (${compacted + 1})`);
      }
      return changesAfter.all(since).map((r) => ({
        type: String(r.type) as StoreChange['type'], revision: Number(r.rev), key: String(r.key),
        object: parse<ApiObject>(r.json, `change ${String(r.rev)}`),
      }));
    },

    revision: () => revision,
    oldestWatchable: () => compacted,

    onChange(fn) {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },

    async close(): Promise<void> {
      if (!open) return;
      open = false;
      listeners.clear();
      db.close();
    },
  };
}
