// Watches (API spec §6): a chunked stream of `{"type":…,"object":…}` lines, one per change, each
// flushed as it happens. Starts from the current objects (resourceVersion unset or "0": every one
// as ADDED) or after a given resourceVersion (history from the store; 410 Expired as an ERROR
// event when it no longer reaches back). Objects that start or stop matching the selectors arrive
// as ADDED or DELETED. Bookmarks only when asked for; `sendInitialEvents` ends the initial objects
// with the `k8s.io/initial-events-end` bookmark. Main thread.
import { buildTable } from '../api/table-columns.ts';
import type { WatchChange, WatchHandle } from '../control/watch-feed.ts';
import { ApiError, invalidError } from '../model/api-error.ts';
import { forbidden } from '../model/field-errors.ts';
import type { ApiObject } from '../model/types.ts';
import { queryBool, queryInt, queryResourceVersion, wantsTable } from './negotiate.ts';
import type { ObjectFilter, ResourceRequest } from './serve-resource.ts';

export interface WatchOptions {
  /** How often a watch that allows bookmarks gets one (upstream: about a minute). */
  bookmarkIntervalMs: number;
  /** A watch without timeoutSeconds ends after a random time in [min, 2 × min], as upstream's. */
  minTimeoutMs: number;
  /** A client that reads slower than changes come is cut off beyond this many buffered bytes. */
  maxBufferedBytes: number;
  random(): number;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = {
  bookmarkIntervalMs: 60_000, minTimeoutMs: 1_800_000, maxBufferedBytes: 16 * 1024 * 1024, random: Math.random,
};

const key = (o: ApiObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export async function serveWatch(r: ResourceRequest, filter: ObjectFilter): Promise<void> {
  const { path, query, res } = r;
  const rv = queryResourceVersion(query);
  const bookmarks = queryBool(query, 'allowWatchBookmarks');
  const initialEvents = query.has('sendInitialEvents') ? queryBool(query, 'sendInitialEvents') : undefined;
  if (initialEvents !== undefined) {
    const errs = [];
    if (query.get('resourceVersionMatch') !== 'NotOlderThan') errs.push(forbidden('resourceVersionMatch', "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    if (initialEvents && !bookmarks) errs.push(forbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set when sendInitialEvents is set'));
    if (errs.length) throw invalidError('ListOptions', '', errs);
  }
  const timeoutSeconds = queryInt(query, 'timeoutSeconds') || undefined;
  const table = wantsTable(r.req.headers.accept);
  // sendInitialEvents=true lists the current objects first whatever the resourceVersion; false
  // with a version starts after it; unset follows the plain watch rules.
  const fromCurrent = initialEvents === true || (initialEvents === undefined && rv === undefined);
  const start = fromCurrent ? { from: 'current' as const, kind: path.kind } : { from: 'revision' as const, revision: rv ?? r.control.published.revision() };

  // Objects currently matching: a change that makes one stop matching is its DELETED.
  const matching = new Set<string>();
  for (const o of r.control.published.list(path.kind, filter.namespace)) if (filter.matches(o)) matching.add(key(o));

  let open = true;
  let handle: WatchHandle | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (!open) return;
    open = false;
    for (const t of timers) clearTimeout(t);
    handle?.stop();
    if (!res.writableEnded) res.end();
  };
  const write = (type: string, object: unknown) => {
    if (!open) return;
    res.write(JSON.stringify({ type, object }) + '\n');
    if (res.writableLength > r.watch.maxBufferedBytes) {
      // A client this far behind would never catch up; it re-watches from its last version.
      open = false;
      handle?.stop();
      res.destroy();
    }
  };
  const shape = (o: ApiObject) => (table ? { ...buildTable(path.kind, [o], r.now()), metadata: { resourceVersion: o.metadata.resourceVersion } } : o);
  const emit = (changes: readonly WatchChange[]) => {
    for (const c of changes) {
      if (c.object.kind !== path.kind) continue;
      const k = key(c.object);
      const was = matching.has(k);
      const now = c.type !== 'DELETED' && filter.matches(c.object);
      if (c.type === 'DELETED') {
        if (!was && !filter.matches(c.object)) continue;
        matching.delete(k);
        write('DELETED', shape(c.object));
      } else if (now) {
        matching.add(k);
        write(was && c.type === 'MODIFIED' ? 'MODIFIED' : 'ADDED', shape(c.object));
      } else if (was) {
        matching.delete(k);
        write('DELETED', shape(c.object));
      }
    }
  };
  const bookmark = (annotations?: Record<string, string>) => {
    if (!handle) return;
    write('BOOKMARK', { kind: path.kind, apiVersion: path.apiVersion, metadata: { resourceVersion: String(handle.revision()), ...(annotations ? { annotations } : {}) } });
  };

  // Headers go out at once: clients time out waiting for them on a quiet watch.
  r.req.socket.setTimeout(0);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  r.req.on('close', finish);
  res.on('close', finish);

  try {
    handle = await r.control.watch(start, {
      // The current objects: ADDED for those that match (what a list would have returned).
      initial(objects) {
        for (const o of objects) if (o.kind === path.kind && filter.matches(o)) write('ADDED', shape(o));
      },
      changes: emit,
    });
  } catch (err) {
    if (err instanceof ApiError && err.httpStatus === 410) {
      write('ERROR', err.toStatus());
      finish();
      return;
    }
    throw err;
  }
  if (!open) { handle.stop(); return; }
  if (initialEvents === true) bookmark({ 'k8s.io/initial-events-end': 'true' });
  if (bookmarks) timers.push(setInterval(() => bookmark(), r.watch.bookmarkIntervalMs));
  const ms = timeoutSeconds !== undefined ? timeoutSeconds * 1000 : r.watch.minTimeoutMs * (1 + r.watch.random());
  timers.push(setTimeout(finish, ms));
}
