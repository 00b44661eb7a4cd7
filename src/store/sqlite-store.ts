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
import type { KubeObject } from '../model/types.ts';
import type { Store, StoreOp } from './store.ts';
import { StoreError } from './store-error.ts';

export const STATE_FILE = 'switchyard.db';
export const SCHEMA_VERSION = 1;

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
  db.exec('COMMIT');
}

export async function openSqliteStore(dir: string): Promise<Store> {
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
  let open = true;

  const ensureOpen = () => {
    if (!open) throw new StoreError('SY_STORE_CLOSED', file, `state file ${file} is closed; this is a bug in the caller.`);
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
      return rows.map((r) => {
        try {
          return JSON.parse(String(r.json)) as KubeObject;
        } catch (err) {
          throw new StoreError('SY_STORE_CORRUPT', file, `state file ${file}: object ${String(r.key)} is not valid JSON. ${moveAside(file)}`, { cause: err });
        }
      });
    },

    async commit(ops: StoreOp[]): Promise<void> {
      ensureOpen();
      if (ops.length === 0) return;
      try {
        db.exec('BEGIN IMMEDIATE');
        for (const o of ops) {
          if (o.op === 'put') put.run(o.key, JSON.stringify(o.object));
          else del.run(o.key);
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) {
          try { db.exec('ROLLBACK'); } catch { /* the connection is unusable; the error below says why */ }
        }
        throw err instanceof StoreError ? err : storeError(err, file, 'committing');
      }
    },

    async close(): Promise<void> {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}
