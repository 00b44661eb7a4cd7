// metadata.managedFields of an ordinary write (POST, PUT, merge/JSON/strategic patches): the
// writer owns what it changed (server-side-apply.ts recordUpdate). Main thread.
import { resourceOfKind } from '../api/api-resources.ts';
import { recordUpdate } from '../api/server-side-apply.ts';
import type { ApiObject, ManagedFieldsEntry } from '../model/types.ts';
import { rfc3339 } from './event-log.ts';

/** The manager of writes that name none (switchyard's own CLI and manifests given to serve -f). */
export const DEFAULT_MANAGER = 'switchyard';

/**
 * `requested`: managedFields the request body carried (a client may set them, as upstream allows);
 * otherwise those of `prev`.
 */
export function updateManagedFields(prev: ApiObject | undefined, next: ApiObject, manager: string | undefined, nowMs: number,
  requested?: ManagedFieldsEntry[]): ManagedFieldsEntry[] | undefined {
  const r = resourceOfKind(next.kind);
  const entries = requested ?? prev?.metadata.managedFields ?? [];
  const out = recordUpdate(prev as never, next as never, manager ?? DEFAULT_MANAGER, r.schema, r.apiVersion, rfc3339(nowMs), entries);
  return out.length > 0 ? out : undefined;
}
