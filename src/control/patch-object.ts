// The object a PATCH asks for: the patch (JSON, merge, strategic merge, or server-side apply)
// applied to the object it names, checked against the URL. The registry then writes the result as
// any update (validation, defaults, allocations). Pure; main thread.
import { resourceOfKind } from '../api/api-resources.ts';
import { applyJsonPatch } from '../api/json-patch.ts';
import { applyMergePatch } from '../api/merge-patch.ts';
import { PatchError } from '../api/patch-error.ts';
import { ApplyConflictError, serverSideApply } from '../api/server-side-apply.ts';
import { applyStrategicMergePatch } from '../api/strategic-merge-patch.ts';
import { ApiError, badRequest, notFoundError } from '../model/api-error.ts';
import type { ApiKindName, ApiObject } from '../model/types.ts';
import type { PatchType } from './control-plane-api.ts';
import { DEFAULT_MANAGER } from './managed-fields.ts';
import { rfc3339 } from './event-log.ts';

export interface PatchRequest {
  kind: ApiKindName;
  namespace: string;
  name: string;
  type: PatchType;
  patch: unknown;
  /** The published object (what clients read), if any. */
  current: ApiObject | undefined;
  /**
   * The declared object, if any. Manual Endpoints and EndpointSlices are patched as declared, so
   * the health loop's verdicts (shown in the published copy) never become part of what was declared.
   */
  declared: ApiObject | undefined;
  force?: boolean;
  fieldManager?: string;
  now: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function patchTarget(r: PatchRequest): Record<string, unknown> {
  const res = resourceOfKind(r.kind);
  const base = (r.kind === 'Endpoints' || r.kind === 'EndpointSlice') && r.declared
    ? { ...r.declared, metadata: { ...r.declared.metadata, resourceVersion: r.current?.metadata.resourceVersion, managedFields: r.current?.metadata.managedFields } }
    : r.current ?? r.declared;
  let result: unknown;
  try {
    switch (r.type) {
      case 'json': result = base && applyJsonPatch(base, r.patch); break;
      case 'merge': result = base && applyMergePatch(base, r.patch); break;
      case 'strategic': result = base && applyStrategicMergePatch(base, r.patch, res.schema); break;
      case 'apply': {
        if (!r.fieldManager) throw badRequest('SY_FIELD_MANAGER_REQUIRED', 'PATCH, application/apply-patch+yaml requires fieldManager parameter');
        if (!isObject(r.patch)) throw badRequest('SY_BAD_BODY', 'an apply patch must be one object');
        const cfg = r.patch;
        if (cfg.apiVersion !== res.apiVersion || cfg.kind !== r.kind) {
          throw badRequest('SY_URL_MISMATCH', `the apply configuration must have apiVersion ${JSON.stringify(res.apiVersion)} and kind ${JSON.stringify(r.kind)} for this path`);
        }
        result = serverSideApply({
          live: base as Record<string, unknown> | undefined, config: cfg, manager: r.fieldManager, force: !!r.force,
          schema: res.schema, apiVersion: res.apiVersion, now: rfc3339(r.now),
        });
        break;
      }
    }
  } catch (err) {
    if (err instanceof ApplyConflictError) {
      throw new ApiError(409, 'Conflict', 'SY_APPLY_CONFLICT', err.message, { causes: err.causes });
    }
    if (err instanceof PatchError) throw new ApiError(422, 'Invalid', 'SY_BAD_PATCH', `the patch could not be applied: ${err.message}`);
    throw err;
  }
  if (result === undefined) throw notFoundError(res.resource, r.name, res.group);
  if (!isObject(result)) throw new ApiError(422, 'Invalid', 'SY_BAD_PATCH', 'the patched object is not a JSON object');
  const meta = (isObject(result.metadata) ? result.metadata : {}) as Record<string, unknown>;
  if (meta.name !== undefined && meta.name !== r.name) throw badRequest('SY_URL_MISMATCH', `the name of the object (${String(meta.name)}) does not match the name on the URL (${r.name})`);
  if (r.kind !== 'Namespace' && meta.namespace !== undefined && meta.namespace !== r.namespace) {
    throw badRequest('SY_URL_MISMATCH', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  return { ...result, apiVersion: res.apiVersion, kind: r.kind, metadata: { ...meta, name: r.name, ...(r.kind === 'Namespace' ? {} : { namespace: r.namespace }) } };
}

export { DEFAULT_MANAGER };
