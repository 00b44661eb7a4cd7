// The `dryRun` option of every write (query, or the DELETE body's list). Pure.
import { badRequest } from '../model/api-error.ts';
import { formatFieldError, notSupported } from '../model/field-errors.ts';

/** `dryRun` values: only `All` is defined; any value present means a dry run. */
export function parseDryRun(values: unknown[]): boolean {
  for (const v of values) {
    if (v !== 'All') throw badRequest('SY_BAD_DRY_RUN', `dryRun: ${formatFieldError(notSupported('dryRun', v, ['All'])).slice('dryRun: '.length)}`);
  }
  return values.length > 0;
}
