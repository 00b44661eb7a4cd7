// What a client is told when the store refused or failed a write: a lost optimistic-concurrency
// race is the apiserver's 409 Conflict (apply again on the latest version); anything else is a 500
// carrying the store's own SY_ code when it has one. Pure; main thread.
import { resourceOfKind } from '../api/api-resources.ts';
import { ApiError, modifiedConflict } from '../model/api-error.ts';
import { isSyCode } from '../model/error-codes.ts';
import type { ApiKindName } from '../model/types.ts';

export function storeFailure(err: unknown, kind: ApiKindName, name: string): ApiError {
  const code = (err as { code?: unknown }).code;
  if (code === 'SY_STORE_CONFLICT') {
    return modifiedConflict(resourceOfKind(kind).resource, name);
  }
  return new ApiError(500, 'InternalError', isSyCode(code) ? code : 'SY_STORE_WRITE',
    `Internal error occurred: the change was not saved: ${(err as Error).message}`);
}
