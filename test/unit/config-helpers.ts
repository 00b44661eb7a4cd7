// Shared fixtures for the config-*.test.ts files: run prepareObject and render its field errors
// the way kubectl prints them.
import { formatFieldError } from '../../src/model/field-errors.ts';
import { prepareObject } from '../../src/config/prepare-object.ts';
import type { KubeObject } from '../../src/model/types.ts';

export function errorsOf(raw: unknown): string[] {
  const r = prepareObject(raw);
  if (r.status === 'invalid') return r.errors.map(formatFieldError);
  if (r.status === 'skipped') throw new Error(`unexpectedly skipped: ${r.reason}`);
  return [];
}

export function okObject(raw: unknown): KubeObject {
  const r = prepareObject(raw);
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.object;
}

export function svc(spec: Record<string, unknown>, meta: Record<string, unknown> = { name: 'web' }, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec }, ...extra };
}

export const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const QNAME = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
export const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const RANGE = 'must be between 1 and 65535, inclusive';
