// The Kubernetes-style resource handlers: reads (get, list with selectors, paging, Tables) here,
// watches in serve-watch.ts, writes in serve-write.ts. Main thread. Everything the control plane
// throws as ApiError travels back to the server, which writes it as a Status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { selectableFields, SELECTABLE_FIELDS } from '../api/selectable-fields.ts';
import { buildTable, type IncludeObject } from '../api/table-columns.ts';
import type { ControlPlaneApi } from '../control/control-plane-api.ts';
import { ApiError, badRequest, invalidError, notFoundError } from '../model/api-error.ts';
import { forbidden } from '../model/field-errors.ts';
import type { ApiObject } from '../model/types.ts';
import type { ListPages, Page } from './list-pages.ts';
import { queryBool, queryInt, queryResourceVersion, wantsTable } from './negotiate.ts';
import { parseSelector, selectorMatches, type Requirement } from './parse-selector.ts';
import type { ResourcePath } from './resource-path.ts';
import { sendJson } from './send-json.ts';
import { serveWatch, type WatchOptions } from './serve-watch.ts';
import { serveWrite } from './serve-write.ts';

export interface ResourceRequest {
  control: ControlPlaneApi;
  method: string;
  path: ResourcePath;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  pages: ListPages;
  watch: WatchOptions;
  now(): number;
  /** Reads the raw body (bounded). */
  body(): Promise<Buffer>;
}

/** Serves one request whose path and method are already known to be valid. */
export async function serveResource(r: ResourceRequest): Promise<void> {
  const { path, method } = r;
  if (method === 'GET' || method === 'HEAD') {
    if (path.watchPrefix || (path.name === undefined && queryBool(r.query, 'watch'))) return serveWatch(r, selectorOf(r));
    if (path.name !== undefined && queryBool(r.query, 'watch')) return serveWatch(r, selectorOf(r));
    return path.name === undefined ? serveList(r) : serveGet(r);
  }
  return serveWrite(r);
}

export interface ObjectFilter {
  namespace?: string;
  labels: Requirement[];
  fields: Requirement[];
  matches(o: ApiObject): boolean;
}

/** The namespace, label and field selectors of a list or watch, checked against the kind's fields. */
export function selectorOf(r: ResourceRequest): ObjectFilter {
  const { path } = r;
  const labels = parseSelector(r.query.get('labelSelector') ?? '', 'labelSelector');
  const fields = parseSelector(r.query.get('fieldSelector') ?? '', 'fieldSelector');
  // A watch by name (`/watch/…/NAME` or ?watch on an item path) is a watch with metadata.name=NAME.
  if (path.name !== undefined) fields.push({ key: 'metadata.name', op: '=', values: [path.name] });
  const supported = SELECTABLE_FIELDS[path.kind];
  for (const f of fields) {
    if (!supported.includes(f.key)) {
      throw badRequest('SY_BAD_SELECTOR', `field label not supported: ${f.key} (the fields ${path.resource} can be selected by: ${supported.join(', ')})`);
    }
  }
  const namespace = path.info.namespaced ? path.namespace : undefined;
  return {
    namespace, labels, fields,
    matches: (o) => o.kind === path.kind && (namespace === undefined || (o.metadata.namespace ?? 'default') === namespace)
      && selectorMatches(labels, o.metadata.labels ?? {}) && selectorMatches(fields, selectableFields(o)),
  };
}

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') {
    throw badRequest('SY_BAD_QUERY', `includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "Metadata", "None", "Object"`);
  }
  return v;
}

/** resourceVersion / resourceVersionMatch of a get or list (API spec §4.3). */
function checkReadVersion(r: ResourceRequest): void {
  const rv = queryResourceVersion(r.query);
  const current = r.control.published.revision();
  const match = r.query.get('resourceVersionMatch');
  if (match && match !== 'NotOlderThan' && match !== 'Exact') {
    throw badRequest('SY_BAD_QUERY', `resourceVersionMatch: Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan"`);
  }
  if (match && r.query.get('resourceVersion') === null) {
    throw invalidError('ListOptions', '', [forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
  }
  if (rv !== undefined && rv > current) {
    throw new ApiError(504, 'Timeout', 'SY_RESOURCE_VERSION_TOO_LARGE', `Too large resource version: ${rv}, current: ${current}`,
      { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] });
  }
  if (match === 'Exact' && rv !== undefined && rv !== current) {
    throw new ApiError(410, 'Expired', 'SY_RESOURCE_VERSION_EXPIRED', `too old resource version: ${rv} (${current})`);
  }
}

/** The page a list names (selectors, limit, continue), after the checks upstream's ListOptions
 *  validation makes; shared by list and deletecollection. */
export function listPage(r: ResourceRequest): Page {
  const { path } = r;
  if (queryBool(r.query, 'sendInitialEvents')) {
    throw invalidError('ListOptions', '', [forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list')]);
  }
  checkReadVersion(r);
  const filter = selectorOf(r);
  const limit = queryInt(r.query, 'limit');
  const token = r.query.get('continue');
  return token
    ? r.pages.next(token, limit)
    : r.pages.first(r.control.published.list(path.kind, filter.namespace).filter(filter.matches), String(r.control.published.revision()), limit);
}

/** A list's metadata: its resourceVersion and, when more pages follow, how to get them. */
export function listMeta(page: Page): Record<string, unknown> {
  return {
    resourceVersion: page.resourceVersion,
    ...(page.continue ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}),
  };
}

function serveList(r: ResourceRequest): void {
  const { path } = r;
  const page = listPage(r);
  const metadata = listMeta(page);
  if (wantsTable(r.req.headers.accept)) {
    const table = buildTable(path.kind, page.items, r.now(), includeObject(r.query));
    sendJson(r.res, 200, { ...table, metadata });
    return;
  }
  sendJson(r.res, 200, { kind: `${path.kind}List`, apiVersion: path.apiVersion, metadata, items: page.items });
}

function serveGet(r: ResourceRequest): void {
  const { path } = r;
  checkReadVersion(r);
  const found = r.control.published.get(path.kind, path.namespace ?? '', path.name!);
  if (!found) throw notFoundError(path.resource, path.name!, path.group);
  if (wantsTable(r.req.headers.accept)) {
    const table = buildTable(path.kind, [found], r.now(), includeObject(r.query));
    sendJson(r.res, 200, { ...table, metadata: { resourceVersion: found.metadata.resourceVersion } });
    return;
  }
  sendJson(r.res, 200, found);
}
