// The base of every error switchyard throws on purpose: a message that says what to do, and a
// stable `code` from the catalogue (error-codes.ts), as undici's errors carry theirs. The errno
// name of a failed system call (EADDRINUSE…) travels beside the code as `systemCode`, never as the
// code. Pure; any thread.
import type { SyCode } from './error-codes.ts';

export class SyError extends Error {
  readonly code: SyCode;
  /** The code of the system error behind this one (an errno name: EADDRINUSE, EACCES…), if any. */
  readonly systemCode?: string;

  constructor(code: SyCode, message: string, options?: { cause?: unknown; systemCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyError';
    this.code = code;
    if (options?.systemCode !== undefined) this.systemCode = options.systemCode;
  }
}
