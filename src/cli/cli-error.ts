// Errors of the CLI and their kubectl-style rendering (kubectl cmdutil.StandardErrorMessage).
// Runs in the CLI process.
import { ApiError } from '../model/api-error.ts';
import type { SyCode } from '../model/error-codes.ts';
import { SyError } from '../model/sy-error.ts';
import { ServerUnreachable } from './admin-client.ts';

/** A mistake in how the CLI was called; printed as `error: <message>` plus a usage hint. */
export class UsageError extends SyError {
  /** The verb whose help to point at; undefined = the top-level help. */
  readonly verb?: string;
  constructor(message: string, verb?: string) {
    super('SY_CLI_USAGE', message);
    this.name = 'UsageError';
    this.verb = verb;
  }
}

/** A failure that is not the server's and not a usage mistake (unreadable file, no selector…). */
export class CliError extends SyError {
  constructor(code: SyCode, message: string) {
    super(code, message);
    this.name = 'CliError';
  }
}

const KNOWN_REASONS = new Set(['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'AlreadyExists', 'Conflict',
  'MethodNotAllowed', 'RequestEntityTooLarge', 'UnsupportedMediaType', 'Timeout', 'InternalError', 'ServiceUnavailable']);

/**
 * kubectl's text for a server error: Invalid becomes `The Service "web" is invalid: <cause>` (or a
 * bulleted list for several causes), everything else `Error from server (Reason): message`.
 */
export function formatApiError(err: ApiError): string {
  if (err.reason === 'Invalid') {
    const d = err.details;
    const causes = d?.causes ?? [];
    const head = d && (d.kind || d.name) ? `The ${d.kind ?? ''} ${JSON.stringify(d.name ?? '')} is invalid` : 'The request is invalid';
    if (causes.length === 1) return `${head}: ${causes[0].field ? `${causes[0].field}: ` : ''}${causes[0].message}`;
    if (causes.length > 1) return `${head}: \n${causes.map((c) => `* ${c.field ? `${c.field}: ` : ''}${c.message}`).join('\n')}`;
    // No causes: the Status message already reads `Service "web" is invalid: …`.
    return /^\S+ ".*" is invalid/.test(err.message) ? `The ${err.message}` : `${head}: ${err.message}`;
  }
  return KNOWN_REASONS.has(err.reason) ? `Error from server (${err.reason}): ${err.message}` : `Error from server: ${err.message}`;
}

/** The lines to print on stderr for any error a verb throws. */
export function formatCliError(err: unknown): string {
  if (err instanceof ServerUnreachable) return err.message;
  if (err instanceof ApiError) return formatApiError(err);
  if (err instanceof UsageError) {
    const help = err.verb ? `switchyard ${err.verb} --help` : 'switchyard --help';
    return `error: ${err.message}\nSee '${help}' for usage.`;
  }
  if (err instanceof CliError) return `error: ${err.message}`;
  const e = err as { message?: string; code?: string };
  return `error: ${e?.message ?? String(err)}${e?.code ? ` (${e.code})` : ''}`;
}
