// The DeleteOptions of a DELETE on an object or a collection (API spec §7.2): from the JSON body
// (kubectl) or the query (client-node, curl), validated as apimachinery's ValidateDeleteOptions
// does. Deletes are immediate and nothing has dependents to collect, so gracePeriodSeconds and
// propagationPolicy are checked and then have nothing to change. Pure.
import type { DeleteOptions } from '../control/control-plane-api.ts';
import { ApiError, badRequest, invalidError } from '../model/api-error.ts';
import { invalid, notSupported, type FieldError } from '../model/field-errors.ts';
import { parseDryRun } from './parse-dry-run.ts';

const POLICIES = ['Foreground', 'Background', 'Orphan'];

function bad(message: string): ApiError {
  return badRequest('SY_BAD_DELETE_OPTIONS', message);
}

/** A body field if the body has it, else the query parameter (as a string), else undefined. */
function option(body: Record<string, unknown>, query: URLSearchParams, name: string): unknown {
  if (body[name] !== undefined && body[name] !== null) return body[name];
  return query.get(name) ?? undefined;
}

function gracePeriod(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw bad(`gracePeriodSeconds: ${JSON.stringify(v)} is not an integer`);
  return n;
}

function orphanDependents(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  // A query boolean as apimachinery reads it: "0" and "false" are false, anything else true.
  if (typeof v === 'string') return !['0', 'false'].includes(v.toLowerCase());
  throw bad(`orphanDependents: ${JSON.stringify(v)} is not a boolean`);
}

/**
 * `body` is the parsed request body ({} when there was none). dryRun is taken from both places
 * (kubectl puts it in the body, other clients in the query); every other option from the body
 * when it has it, else from the query.
 */
export function deleteOptionsOf(query: URLSearchParams, body: Record<string, unknown>): DeleteOptions {
  if (body.dryRun !== undefined && body.dryRun !== null && !Array.isArray(body.dryRun)) throw bad('dryRun: must be a list of strings');
  const dryRun = parseDryRun([...query.getAll('dryRun'), ...(Array.isArray(body.dryRun) ? body.dryRun : [])]);
  gracePeriod(option(body, query, 'gracePeriodSeconds'));
  const policy = option(body, query, 'propagationPolicy');
  const orphan = orphanDependents(option(body, query, 'orphanDependents'));
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
