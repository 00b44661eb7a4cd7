// Errors of the persistent store. Each names the file involved and says what the operator can do;
// the store never discards or recreates state on its own, so these stop the server at startup.
import { SyError } from '../model/sy-error.ts';

export type StoreErrorCode =
  | 'SY_STORE_CORRUPT'
  | 'SY_STORE_UNREADABLE'
  | 'SY_STORE_LOCKED'
  | 'SY_STORE_VERSION'
  | 'SY_STORE_WRITE'
  | 'SY_STORE_CLOSED'
  | 'SY_STORE_CONFLICT'
  | 'SY_STORE_COMPACTED'
  | 'SY_STORE_FENCED'
  | 'SY_STORE_UNAVAILABLE'
  | 'SY_STORE_URL';

export class StoreError extends SyError {
  declare readonly code: StoreErrorCode;
  readonly file: string;

  constructor(code: StoreErrorCode, file: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
    this.file = file;
  }
}
