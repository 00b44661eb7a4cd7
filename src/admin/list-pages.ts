// `limit`/`continue` paging of lists. The first page takes the whole filtered list at once and
// keeps it (references to the published objects, which are never mutated), so every later page
// is cut from the same snapshot: a paged list is as consistent as an unpaged one, as upstream
// guarantees. Snapshots live a few minutes; a token whose snapshot is gone is 410 Expired and the
// client starts over. Main thread.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../model/api-error.ts';
import type { ApiObject } from '../model/types.ts';

export interface Page {
  items: readonly ApiObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Snapshot { items: readonly ApiObject[]; resourceVersion: string; expires: number }

export interface ListPages {
  /** The first page of `items` (all of them when `limit` is undefined or 0). */
  first(items: readonly ApiObject[], resourceVersion: string, limit: number | undefined): Page;
  /** The page a continue token names. Throws 410 Expired or 400 for a token it never gave. */
  next(token: string, limit: number | undefined): Page;
}

export function expiredContinue(): ApiError {
  return new ApiError(410, 'Expired', 'SY_CONTINUE_EXPIRED',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
}

export function createListPages(opts: { ttlMs?: number; max?: number; clock?: () => number } = {}): ListPages {
  const ttl = opts.ttlMs ?? 5 * 60_000;
  const max = opts.max ?? 256;
  const clock = opts.clock ?? Date.now;
  const snapshots = new Map<string, Snapshot>();

  const cut = (id: string, s: Snapshot, offset: number, limit: number | undefined): Page => {
    const end = limit ? Math.min(s.items.length, offset + limit) : s.items.length;
    const page: Page = { items: s.items.slice(offset, end), resourceVersion: s.resourceVersion };
    if (end < s.items.length) {
      page.continue = Buffer.from(JSON.stringify({ id, offset: end, rv: s.resourceVersion })).toString('base64url');
      page.remainingItemCount = s.items.length - end;
    } else {
      snapshots.delete(id);
    }
    return page;
  };

  const sweep = () => {
    const now = clock();
    for (const [id, s] of snapshots) if (s.expires < now) snapshots.delete(id);
    while (snapshots.size > max) snapshots.delete(snapshots.keys().next().value!);
  };

  return {
    first(items, resourceVersion, limit) {
      if (!limit || items.length <= limit) return { items, resourceVersion };
      sweep();
      const id = randomBytes(9).toString('base64url');
      const s = { items, resourceVersion, expires: clock() + ttl };
      snapshots.set(id, s);
      return cut(id, s, 0, limit);
    },
    next(token, limit) {
      let parsed: { id?: unknown; offset?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      } catch {
        throw new ApiError(400, 'BadRequest', 'SY_BAD_CONTINUE', 'continue: the token is not one this server handed out; start a new list without it');
      }
      sweep();
      const s = typeof parsed.id === 'string' ? snapshots.get(parsed.id) : undefined;
      if (!s || typeof parsed.offset !== 'number') throw expiredContinue();
      return cut(parsed.id as string, s, parsed.offset, limit);
    },
  };
}
