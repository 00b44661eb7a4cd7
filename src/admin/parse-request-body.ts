// Turns an admin API request body (JSON or YAML by Content-Type) into one plain object. Pure; main thread.
// Everything here fails with a Status the client can act on; nothing reaches the control plane
// unless it is a single object of bounded depth.
import { parseAllDocuments, type Document } from 'yaml';
import { PatchError } from '../api/patch-error.ts';
import { decodeProtobufObject, PROTOBUF_TYPE } from '../api/protobuf-object.ts';
import { ApiError, badRequest } from '../model/api-error.ts';
import { isStackOverflow, MAX_NESTING, nestsDeeperThan } from '../model/nesting-depth.ts';

const JSON_TYPES = new Set(['application/json']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'application/apply-patch+yaml']);
const APPLY_PATCH = 'application/apply-patch+yaml';

function unsupported(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', 'SY_UNSUPPORTED_MEDIA_TYPE', message);
}

/** Media type without parameters, lower-case; '' when absent. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * `patch`: the request is a PATCH, which only accepts server-side-apply bodies. Throws 415 for other
 * media types, 400 for syntax errors, non-objects and excessive nesting.
 */
export function parseRequestBody(body: Buffer, contentType: string | undefined, patch = false): Record<string, unknown> {
  // No Content-Type is JSON, as upstream reads it (kubectl 1.20's create sends none).
  const type = mediaType(contentType) || 'application/json';
  if (patch && type !== APPLY_PATCH) {
    throw unsupported(`the server does not support patch type ${JSON.stringify(type || '(none)')}; use Content-Type: ${APPLY_PATCH}`);
  }
  if (type === PROTOBUF_TYPE && !patch) {
    // client-go's typed clients (kubectl create namespace|service) write protobuf.
    try {
      return decodeProtobufObject(body);
    } catch (err) {
      if (err instanceof PatchError) throw badRequest('SY_BAD_PROTOBUF', `cannot decode the protobuf body: ${err.message}`);
      throw err;
    }
  }
  if (!JSON_TYPES.has(type) && !YAML_TYPES.has(type)) {
    throw unsupported(`Content-Type ${JSON.stringify(type || '(none)')} is not supported; use application/json, application/yaml or ${APPLY_PATCH}`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw unsupported(`charset ${JSON.stringify(charset)} is not supported; send UTF-8`);
  if (body.length === 0) throw badRequest('SY_EMPTY_BODY', 'the request body is empty; send one JSON or YAML object');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('SY_BAD_ENCODING', 'the request body is not valid UTF-8');
  }
  const value = JSON_TYPES.has(type) ? parseJson(text) : parseYaml(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw badRequest('SY_BAD_BODY', `the request body must be one object (a Kubernetes manifest), got ${got}`);
  }
  if (nestsDeeperThan(value)) throw tooDeep();
  return value as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest('SY_BAD_JSON', `invalid JSON in the request body: ${(err as Error).message}`);
  }
}

function parseYaml(text: string): unknown {
  let filled: Document.Parsed[];
  try {
    // Unique keys, YAML 1.2 core schema (no `yes`/`no` booleans), bounded aliases against
    // billion-laughs bodies. Empty documents (a trailing `---`) are ignored.
    const all = parseAllDocuments(text, { uniqueKeys: true, merge: false, schema: 'core', prettyErrors: true, logLevel: 'silent' });
    const docs = Array.isArray(all) ? all : [];
    for (const d of docs) if (d.errors.length > 0) throw d.errors[0];
    filled = docs.filter((d) => d.contents !== null);
  } catch (err) {
    throw badRequest('SY_BAD_YAML', `invalid YAML in the request body: ${(err as Error).message}`);
  }
  // Valid YAML, but more than the one object a request carries.
  if (filled.length > 1) {
    throw badRequest('SY_MULTIPLE_DOCUMENTS', `the body holds ${filled.length} YAML documents; send one object per request (switchyard apply splits manifests)`);
  }
  try {
    return filled.length === 0 ? null : filled[0].toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The YAML parser recurses per nesting level: a deep enough body exhausts the stack first.
    if (isStackOverflow(err)) throw tooDeep();
    throw badRequest('SY_BAD_YAML', `invalid YAML in the request body: ${(err as Error).message}`);
  }
}

/** 400 SY_TOO_DEEP: a body nested deeper than MAX_NESTING (recursive code downstream would overflow). */
export function tooDeep(): ApiError {
  return badRequest('SY_TOO_DEEP', `the request body nests deeper than ${MAX_NESTING} levels; no Kubernetes object does`);
}
