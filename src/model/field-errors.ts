// Kubernetes field errors (apimachinery pkg/util/validation/field/errors.go) and their text format.
// Pure; used by validation, the registry's allocators, the admin API's Status bodies and the CLI.
import { truncateForMessage } from './truncate.ts';

export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Duplicate value'
  | 'Forbidden'
  | 'Too many'
  | 'Too long'
  | 'Internal error';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value; `undefined` when the error type shows none (Required, Forbidden). */
  value?: unknown;
  detail?: string;
}

/** Go's %q-ish rendering: strings quoted, numbers and booleans bare, other values as JSON; a long
 *  value is cut (truncate.ts), so an error never echoes more than a screenful of the input. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(truncateForMessage(v));
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  return truncateForMessage(JSON.stringify(v) ?? String(v));
}

/** One error's body: `<field>: <Type>[: <value>][: <detail>]`. */
export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${e.type}`;
  const showsValue = e.type === 'Invalid value' || e.type === 'Unsupported value' || e.type === 'Duplicate value'
    || e.type === 'Too many';
  if (showsValue && e.value !== undefined) s += `: ${renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** Aggregate: one error → its text; several → `[e1, e2]`, deduplicated (k8s utilerrors.NewAggregate). */
export function formatAggregate(errors: FieldError[]): string {
  const texts = [...new Set(errors.map(formatFieldError))];
  return texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
}

/** `Service "web" is invalid: <aggregate>` — the Status message; kubectl prints it prefixed by `The `. */
export function invalidMessage(kind: string, name: string, errors: FieldError[]): string {
  return `${kind} "${truncateForMessage(name)}" is invalid: ${formatAggregate(errors)}`;
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'Required value', field, detail });
export const invalid = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'Invalid value', field, value, detail });
export const forbidden = (field: string, detail?: string): FieldError => ({ type: 'Forbidden', field, detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'Duplicate value', field, value });
/** apimachinery field.TooMany(path, actual, max): shows the actual count like Go does. */
export const tooManyItems = (field: string, actual: number, max: number): FieldError =>
  ({ type: 'Too many', field, value: actual, detail: `must have at most ${max} items` });

/** NotSupported: detail lists the sorted, quoted supported values. */
export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  const list = [...supported].sort().map((s) => JSON.stringify(s)).join(', ');
  return { type: 'Unsupported value', field, value, detail: `supported values: ${list}` };
}
