// Errors of the API surface, shaped as Kubernetes `Status` objects (apimachinery pkg/api/errors).
// Each carries a stable `code` (SY_…) the CLI and logs print, and a message that says what to do.
// Pure; thrown by the registry and control plane, serialised by the admin API, parsed by the CLI.
import type { SyCode } from './error-codes.ts';
import { isSyCode } from './error-codes.ts';
import type { FieldError } from './field-errors.ts';
import { formatFieldError, invalidMessage } from './field-errors.ts';
import { truncateForMessage } from './truncate.ts';
import { SyError } from './sy-error.ts';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Invalid' | 'MethodNotAllowed' | 'RequestEntityTooLarge' | 'UnsupportedMediaType'
  | 'Timeout' | 'InternalError' | 'ServiceUnavailable' | 'Expired' | 'Gone' | 'NotAcceptable';

export interface StatusCause { reason?: string; message: string; field?: string }

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: { name?: string; kind?: string; group?: string; uid?: string; causes?: StatusCause[] };
  code: number;
  /** switchyard's stable error code, e.g. SY_INVALID. */
  errorCode?: string;
}

export class ApiError extends SyError {
  readonly httpStatus: number;
  readonly reason: StatusReason;
  readonly details?: Status['details'];

  constructor(httpStatus: number, reason: StatusReason, code: SyCode, message: string, details?: Status['details']) {
    super(code, message);
    this.name = 'ApiError';
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message,
      reason: this.reason, details: this.details, code: this.httpStatus, errorCode: this.code,
    };
  }

  static fromStatus(s: Status): ApiError {
    return new ApiError(s.code, s.reason, isSyCode(s.errorCode) ? s.errorCode : 'SY_SERVER', s.message, s.details);
  }
}

const causeReason: Record<string, string> = {
  'Required value': 'FieldValueRequired', 'Invalid value': 'FieldValueInvalid',
  'Unsupported value': 'FieldValueNotSupported', 'Duplicate value': 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden', 'Too many': 'FieldValueTooMany', 'Too long': 'FieldValueTooLong',
  'Internal error': 'InternalError',
};

/** 422 Invalid with one cause per field error (apimachinery NewInvalid); `code` names a more
 *  specific cause than SY_INVALID where the client can act on it (a full NodePort range). */
export function invalidError(kind: string, name: string, errors: FieldError[], group = '', code: SyCode = 'SY_INVALID'): ApiError {
  return new ApiError(422, 'Invalid', code, invalidMessage(kind, name, errors), {
    name: truncateForMessage(name), kind: kind.toLowerCase() === 'endpointslice' ? 'EndpointSlice' : kind, group,
    causes: errors.map((e) => ({ reason: causeReason[e.type], message: formatFieldError(e).slice(e.field.length + 2), field: e.field })),
  });
}

/** `services "web" not found`; a non-core group is named too: `endpointslices.discovery.k8s.io "x" not found`. */
export function notFoundError(resource: string, name: string, group = ''): ApiError {
  const shown = truncateForMessage(name);
  return new ApiError(404, 'NotFound', 'SY_NOT_FOUND', `${group ? `${resource}.${group}` : resource} "${shown}" not found`,
    { name: shown, ...(group ? { group } : {}), kind: resource });
}

export function badRequest(code: SyCode, message: string): ApiError {
  return new ApiError(400, 'BadRequest', code, message);
}

/** 409 `Operation cannot be fulfilled on services "web": <why>` (apimachinery NewConflict). */
export function conflictError(resource: string, name: string, why: string): ApiError {
  const shown = truncateForMessage(name);
  return new ApiError(409, 'Conflict', 'SY_CONFLICT', `Operation cannot be fulfilled on ${resource} "${shown}": ${why}`, { name: shown, kind: resource });
}

/** The 409 of a lost optimistic-concurrency race, in the apiserver's words: apply on the latest version. */
export function modifiedConflict(resource: string, name: string): ApiError {
  return conflictError(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}
