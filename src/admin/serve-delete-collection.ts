// `deletecollection`: DELETE on a namespaced collection path (API spec §7.2), as upstream's
// generic registry does it (apiserver registry/generic/registry/store.go DeleteCollection): list
// with the request's ListOptions (selectors, limit, continue), then delete each object through the
// same registry call a single DELETE makes — so watches, events, endpoints and the data plane see
// ordinary deletes and a dry run deletes nothing. Not atomic: the first error other than NotFound
// ends the request with what was deleted before it staying deleted. Answers 200 with the list of
// deleted objects in the list kind (upstream returns the list, not a Status). Main thread.
import { ApiError } from '../model/api-error.ts';
import type { ApiObject } from '../model/types.ts';
import { requestDeleteOptions } from './delete-options.ts';
import { listMeta, listPage, type ResourceRequest } from './serve-resource.ts';
import { sendJson } from './send-json.ts';

export async function serveDeleteCollection(r: ResourceRequest): Promise<void> {
  const { path, control } = r;
  const options = await requestDeleteOptions(r);
  const page = listPage(r);
  const deleted: ApiObject[] = [];
  for (const item of page.items) {
    try {
      deleted.push(await control.delete(path.kind, item.metadata.namespace ?? path.namespace ?? '', item.metadata.name ?? '', options));
    } catch (err) {
      // Deleted by someone else since the list: what the caller asked for has happened.
      if (err instanceof ApiError && err.httpStatus === 404) continue;
      throw err;
    }
  }
  sendJson(r.res, 200, { kind: `${path.kind}List`, apiVersion: path.apiVersion, metadata: listMeta(page), items: deleted });
}
