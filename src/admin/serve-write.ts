// Writes (API spec §7): POST creates (201), PUT replaces (a body resourceVersion is a precondition),
// PATCH in the four patch types, DELETE with DeleteOptions from the body or the query. `dryRun=All`
// everywhere, `fieldManager` recorded, `fieldValidation` honoured (unknown fields refused, warned
// about in `Warning` headers, or ignored). Main thread.
import type { PatchType } from '../control/control-plane-api.ts';
import { ApiError, badRequest } from '../model/api-error.ts';
import { requestDeleteOptions } from './delete-options.ts';
import { queryBool } from './negotiate.ts';
import { parseDryRun } from './parse-dry-run.ts';
import { mediaType, parseRequestBody, tooDeep } from './parse-request-body.ts';
import { nestsDeeperThan } from '../model/nesting-depth.ts';
import type { ResourcePath } from './resource-path.ts';
import type { ResourceRequest } from './serve-resource.ts';
import { sendJson } from './send-json.ts';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

function fieldValidation(query: URLSearchParams): 'Strict' | 'Warn' | 'Ignore' {
  const v = query.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') {
    throw badRequest('SY_BAD_QUERY', `fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  return v;
}

function warningHeaders(warnings: string[] | undefined): Record<string, string | string[]> {
  if (!warnings?.length) return {};
  return { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

/**
 * Fills kind, apiVersion, namespace (and name for item paths) from the URL when the body omits
 * them, and refuses a body that names something else than the URL — writing to one path must never
 * change a different object.
 */
export function reconcileWithUrl(raw: Record<string, unknown>, path: ResourcePath): Record<string, unknown> {
  const body = { ...raw };
  if (body.kind === undefined || body.kind === '') body.kind = path.kind;
  if (body.apiVersion === undefined || body.apiVersion === '') body.apiVersion = path.apiVersion;
  if (body.kind !== path.kind || body.apiVersion !== path.apiVersion) {
    throw badRequest('SY_URL_MISMATCH', `${String(body.kind)} in version "${String(body.apiVersion)}" cannot be handled as a ${path.kind}: ` +
      `the request URL is for ${path.resource} (${path.apiVersion}); send the object to its own path or fix kind and apiVersion`);
  }
  const meta = body.metadata ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new ApiError(400, 'BadRequest', 'SY_BAD_BODY', 'metadata must be an object with name and namespace');
  }
  const m = { ...(meta as Record<string, unknown>) };
  if (path.info.namespaced) {
    if (m.namespace === undefined || m.namespace === '') m.namespace = path.namespace;
    else if (m.namespace !== path.namespace) {
      throw badRequest('SY_URL_MISMATCH', 'the namespace of the provided object does not match the namespace sent on the request');
    }
  }
  if (path.name !== undefined) {
    if (m.name === undefined || m.name === '') m.name = path.name;
    else if (m.name !== path.name) {
      throw badRequest('SY_URL_MISMATCH', `the name of the object (${String(m.name)}) does not match the name on the URL (${path.name})`);
    }
  }
  body.metadata = m;
  return body;
}

function parsePatchBody(buf: Buffer, contentType: string | undefined, type: PatchType): unknown {
  if (type === 'apply') return parseRequestBody(buf, contentType, true);
  const text = buf.toString('utf8');
  if (text.trim() === '') throw badRequest('SY_EMPTY_BODY', 'the patch is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest('SY_BAD_JSON', `invalid JSON in the patch: ${(err as Error).message}`);
  }
  // The patches are applied by recursive code: a hostile depth would overflow its stack.
  if (nestsDeeperThan(value)) throw tooDeep();
  return value;
}

export async function serveWrite(r: ResourceRequest): Promise<void> {
  const { path, method, query, control } = r;
  const fieldManager = query.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && (fieldManager.length > 128 || /[^\x20-\x7e]/.test(fieldManager))) {
    throw badRequest('SY_BAD_QUERY', 'fieldManager: Invalid value: must be at most 128 printable characters');
  }
  const ns = path.namespace ?? '';
  if (method === 'DELETE') {
    const deleted = await control.delete(path.kind, ns, path.name!, await requestDeleteOptions(r));
    sendJson(r.res, 200, deleted);
    return;
  }
  const dryRun = parseDryRun(query.getAll('dryRun'));
  const validation = fieldValidation(query);
  if (method === 'PATCH') {
    const type = PATCH_TYPES[mediaType(r.req.headers['content-type'])];
    if (!type) {
      throw new ApiError(415, 'UnsupportedMediaType', 'SY_UNSUPPORTED_MEDIA_TYPE',
        `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`);
    }
    const patch = parsePatchBody(await r.body(), r.req.headers['content-type'], type);
    const force = queryBool(query, 'force');
    if (query.has('force') && type !== 'apply') throw badRequest('SY_BAD_QUERY', 'force: Forbidden: may not be specified for non-apply patch');
    const result = await control.patch(path.kind, ns, path.name!, type, patch, { dryRun, fieldManager, force, fieldValidation: validation });
    sendJson(r.res, result.outcome === 'created' ? 201 : 200, result.object, { 'x-switchyard-outcome': result.outcome, ...warningHeaders(result.warnings) });
    return;
  }
  const body = reconcileWithUrl(parseRequestBody(await r.body(), r.req.headers['content-type']), path);
  const result = await control.apply(body, { dryRun, mode: method === 'POST' ? 'create' : 'apply', fieldManager, fieldValidation: validation });
  const status = method === 'POST' || result.outcome === 'created' ? 201 : 200;
  sendJson(r.res, status, result.object, { 'x-switchyard-outcome': result.outcome, ...warningHeaders(result.warnings) });
}
