// `fieldValidation` of a write: the fields of a served kind's body its schema does not know are
// refused (Strict), returned as warnings for `Warning` headers (Warn) or dropped silently (Ignore).
// Pure; main thread.
import { API_RESOURCES } from '../api/api-resources.ts';
import { unknownFields } from '../api/unknown-fields.ts';
import { badRequest } from '../model/api-error.ts';

export function checkFieldValidation(raw: unknown, mode: 'Strict' | 'Warn' | 'Ignore' | undefined): string[] {
  if (mode === 'Ignore' || raw === null || typeof raw !== 'object') return [];
  const { kind, apiVersion } = raw as { kind?: unknown; apiVersion?: unknown };
  const r = API_RESOURCES.find((x) => x.kind === kind && x.apiVersion === apiVersion);
  if (!r) return [];
  const unknown = unknownFields(raw, r.schema).map((f) => `unknown field ${JSON.stringify(f)}`);
  if (unknown.length > 0 && mode === 'Strict') {
    throw badRequest('SY_UNKNOWN_FIELD', `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${unknown.join(', ')}`);
  }
  return unknown;
}
