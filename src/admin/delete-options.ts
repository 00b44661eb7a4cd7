// The DeleteOptions of a DELETE on an object or a collection (API spec §7.2): from the JSON body
// (kubectl) or the query (client-node, curl), validated as apimachinery's ValidateDeleteOptions
// does. Deletes are immediate and nothing has dependents to collect, so gracePeriodSeconds and
// propagationPolicy are checked and then have nothing to change. Pure, but for requestDeleteOptions,
// which reads the request's body.
import type { DeleteOptions } from '../control/control-plane-api.ts';
import { ApiError, badRequest, invalidError } from '../model/api-error.ts';
import { invalid, notSupported, type FieldError } from '../model/field-errors.ts';
import { parseDryRun } from './parse-dry-run.ts';
import { parseRequestBody } from './parse-request-body.ts';
import type { ResourceRequest } from './serve-resource.ts';

const POLICIES = ['Foreground', 'Background', 'Orphan'];

function bad(message: string): ApiError {
  return badRequest('SY_BAD_DELETE_OPTIONS', message);
}

const present = (v: unknown) => v !== undefined && v !== null;

function gracePeriod(body: Record<string, unknown>, query: URLSearchParams): number | undefined {
  const v = body.gracePeriodSeconds;
  if (present(v)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(`gracePeriodSeconds: ${JSON.stringify(v)} is not an integer`);
    return v;
  }
  const q = query.get('gracePeriodSeconds');
  if (q === null) return undefined;
  if (!/^-?\d+$/.test(q)) throw bad(`gracePeriodSeconds: ${JSON.stringify(q)} is not an integer`);
  return Number(q);
}

function orphanDependents(body: Record<string, unknown>, query: URLSearchParams): boolean | undefined {
  if (present(body.orphanDependents)) {
    if (typeof body.orphanDependents !== 'boolean') throw bad(`orphanDependents: ${JSON.stringify(body.orphanDependents)} is not a boolean`);
    return body.orphanDependents;
  }
  // A query boolean as apimachinery reads it: "0" and "false" are false, anything else true.
  const v = query.get('orphanDependents');
  return v === null ? undefined : !['0', 'false'].includes(v.toLowerCase());
}

/**
 * `body` is the parsed request body ({} when there was none). dryRun is taken from both places
 * (kubectl puts it in the body, other clients in the query); every other option from the body
 * when it has it, else from the query.
 */
export function deleteOptionsOf(query: URLSearchParams, body: Record<string, unknown>): DeleteOptions {
  if (present(body.dryRun) && !Array.isArray(body.dryRun)) throw bad('dryRun: must be a list of strings');
  const dryRun = parseDryRun([...query.getAll('dryRun'), ...(Array.isArray(body.dryRun) ? body.dryRun : [])]);
  gracePeriod(body, query);
  const policy = present(body.propagationPolicy) ? body.propagationPolicy : query.get('propagationPolicy') ?? undefined;
  const orphan = orphanDependents(body, query);
  const errors: FieldError[] = [];
  if (orphan !== undefined && policy !== undefined) errors.push(invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
  if (policy !== undefined && !POLICIES.includes(policy as string)) errors.push(notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  if (errors.length > 0) throw invalidError('DeleteOptions', '', errors, 'meta.k8s.io', 'SY_BAD_DELETE_OPTIONS');
  const pre = body.preconditions ?? {};
  if (pre === null || typeof pre !== 'object' || Array.isArray(pre)) throw bad('preconditions: must be an object with uid and resourceVersion');
  const { uid, resourceVersion } = pre as Record<string, unknown>;
  for (const [k, v] of Object.entries({ uid, resourceVersion })) {
    if (v !== undefined && v !== null && typeof v !== 'string') throw bad(`preconditions.${k}: must be a string`);
  }
  const preconditions = {
    ...(typeof uid === 'string' ? { uid } : {}),
    ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
  };
  return { dryRun, preconditions };
}

/** The DeleteOptions of a DELETE request, single or collection: its body (if any) and query. */
export async function requestDeleteOptions(r: Pick<ResourceRequest, 'query' | 'req' | 'body'>): Promise<DeleteOptions> {
  const buf = await r.body();
  return deleteOptionsOf(r.query, buf.length > 0 ? parseRequestBody(buf, r.req.headers['content-type'] ?? 'application/json') : {});
}
