// The Kubernetes-style resource handlers: list, get, create, apply, delete, events. Main thread.
// Everything the control plane throws as ApiError travels back to the server, which writes it
// as a Status; only body/URL consistency and query parsing are decided here.
import type { ServerResponse } from 'node:http';
import type { ControlPlaneApi } from '../control/control-plane-api.ts';
import type { KindName, KubeEvent, KubeObject } from '../model/types.ts';
import { ApiError, badRequest, notFoundError } from '../model/api-error.ts';
import { formatFieldError, notSupported } from '../model/field-errors.ts';
import type { ResourcePath } from './resource-path.ts';
import { parseSelector, selectorMatches, type Requirement } from './parse-selector.ts';
import { sendJson } from './send-json.ts';

export interface ResourceRequest {
  control: ControlPlaneApi;
  method: string;
  path: ResourcePath;
  query: URLSearchParams;
  res: ServerResponse;
  /** Reads and parses the body; `patch` restricts it to application/apply-patch+yaml. */
  body(patch: boolean): Promise<Record<string, unknown>>;
}

/** Serves one request whose path and method are already known to be valid. */
export async function serveResource(r: ResourceRequest): Promise<void> {
  const { path, method } = r;
  if (method === 'GET' || method === 'HEAD') return path.name === undefined ? serveList(r) : serveGet(r);
  const dryRun = parseDryRun(r.query);
  const kind = path.kind as KindName;
  if (method === 'DELETE') {
    const deleted = await r.control.delete(kind, path.namespace!, path.name!, { dryRun });
    sendJson(r.res, 200, deleted);
    return;
  }
  const body = reconcileWithUrl(await r.body(method === 'PATCH'), path);
  const result = await r.control.apply(body, { dryRun, mode: method === 'POST' ? 'create' : 'apply' });
  const status = method === 'POST' || result.outcome === 'created' ? 201 : 200;
  sendJson(r.res, status, result.object, { 'x-switchyard-outcome': result.outcome });
}

function serveList(r: ResourceRequest): void {
  const { path } = r;
  const labels = parseSelector(r.query.get('labelSelector') ?? '', 'labelSelector');
  const fields = parseSelector(r.query.get('fieldSelector') ?? '', 'fieldSelector');
  let items: (KubeObject | KubeEvent)[];
  if (path.kind === 'Event') {
    items = r.control.events(eventFilter(fields, path.namespace));
  } else {
    checkFieldKeys(fields, ['metadata.name', 'metadata.namespace']);
    items = r.control.list(path.kind, path.namespace);
  }
  items = items.filter((o) => selectorMatches(labels, o.metadata.labels ?? {}) && selectorMatches(fields, fieldsOf(o)));
  sendJson(r.res, 200, {
    kind: `${path.kind}List`, apiVersion: path.apiVersion,
    metadata: { resourceVersion: newestResourceVersion(items) }, items,
  });
}

function serveGet(r: ResourceRequest): void {
  const { path } = r;
  const found = path.kind === 'Event'
    ? r.control.events({ namespace: path.namespace }).find((e) => e.metadata.name === path.name)
    : r.control.get(path.kind, path.namespace!, path.name!);
  if (!found) throw notFoundError(path.resource, path.name!);
  sendJson(r.res, 200, found);
}

const EVENT_FIELDS = ['involvedObject.name', 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.uid',
  'metadata.name', 'metadata.namespace', 'type', 'reason', 'source'];

/** Pushes equality terms the control plane can filter on down to it; the rest filter the result. */
function eventFilter(fields: Requirement[], namespace: string | undefined): { namespace?: string; kind?: string; name?: string } {
  checkFieldKeys(fields, EVENT_FIELDS);
  const eq = (key: string) => fields.find((f) => f.key === key && f.op === '=')?.value;
  return { namespace: namespace ?? eq('involvedObject.namespace'), kind: eq('involvedObject.kind'), name: eq('involvedObject.name') };
}

function checkFieldKeys(fields: Requirement[], supported: string[]): void {
  for (const f of fields) {
    if (!supported.includes(f.key)) {
      throw badRequest('SY_BAD_SELECTOR', `fieldSelector: field label not supported: ${f.key} (supported: ${supported.join(', ')})`);
    }
  }
}

function fieldsOf(o: KubeObject | KubeEvent): Record<string, string | undefined> {
  const f: Record<string, string | undefined> = { 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace };
  if (o.kind === 'Event') {
    Object.assign(f, {
      'involvedObject.name': o.involvedObject.name, 'involvedObject.kind': o.involvedObject.kind,
      'involvedObject.namespace': o.involvedObject.namespace, 'involvedObject.uid': o.involvedObject.uid,
      type: o.type, reason: o.reason, source: o.source?.component,
    });
  }
  return f;
}

/** The list's resourceVersion: the highest numeric one among the items ('' when none are numeric). */
function newestResourceVersion(items: { metadata: { resourceVersion?: string } }[]): string {
  let max = -1n;
  for (const o of items) {
    const rv = o.metadata.resourceVersion;
    if (rv && /^\d+$/.test(rv) && BigInt(rv) > max) max = BigInt(rv);
  }
  return max < 0n ? '' : String(max);
}

/** `dryRun=All` (Kubernetes' only value); any other value is an error, never silently a real write. */
export function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest('SY_BAD_DRY_RUN', `dryRun: ${formatFieldError(notSupported('dryRun', v, ['All'])).slice('dryRun: '.length)}`);
  }
  return values.length > 0;
}

/**
 * Fills kind, apiVersion, namespace (and name for item paths) from the URL when the body omits
 * them, and refuses a body that names something else than the URL — writing to one path must never
 * change a different object.
 */
export function reconcileWithUrl(raw: Record<string, unknown>, path: ResourcePath): Record<string, unknown> {
  const body = { ...raw };
  const disagree = (field: string, inBody: unknown, inUrl: string) => badRequest('SY_URL_MISMATCH',
    `${field} in the body (${JSON.stringify(inBody)}) does not match the request URL (${JSON.stringify(inUrl)}); ` +
    `send the object to its own path or fix ${field}`);
  if (body.kind === undefined || body.kind === '') body.kind = path.kind;
  else if (body.kind !== path.kind) throw disagree('kind', body.kind, path.kind);
  if (body.apiVersion === undefined || body.apiVersion === '') body.apiVersion = path.apiVersion;
  else if (body.apiVersion !== path.apiVersion) throw disagree('apiVersion', body.apiVersion, path.apiVersion);
  const meta = body.metadata ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new ApiError(400, 'BadRequest', 'SY_BAD_BODY', 'metadata must be an object with name and namespace');
  }
  const m = { ...(meta as Record<string, unknown>) };
  if (m.namespace === undefined || m.namespace === '') m.namespace = path.namespace;
  else if (m.namespace !== path.namespace) throw disagree('metadata.namespace', m.namespace, path.namespace!);
  if (path.name !== undefined) {
    if (m.name === undefined || m.name === '') m.name = path.name;
    else if (m.name !== path.name) throw disagree('metadata.name', m.name, path.name);
  }
  body.metadata = m;
  return body;
}
