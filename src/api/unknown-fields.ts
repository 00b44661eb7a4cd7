// Field validation (`fieldValidation=Strict|Warn|Ignore`): the fields of a request body its kind's
// schema does not know, named as the apiserver's strict decoder names them (`spec.foo`,
// `spec.ports[0].bar`). Fields kept opaque (schema type any) accept anything below them. Pure.
import { child, resolve, type Schema } from './schema.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(value: unknown, schema: Schema | undefined, path: string, out: string[]): void {
  if (!schema || schema.type === 'any') return;
  if (schema.type === 'array') {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (schema.type === 'map') {
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, schema.values, `${path}[${k}]`, out);
    return;
  }
  const t = resolve(schema);
  if (!t || !isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const s = child(schema, k);
    const p = path ? `${path}.${k}` : k;
    if (s === undefined) out.push(p);
    else walk(v, s, p, out);
  }
}

/** Paths of the fields of `obj` that `schema` does not define, in document order. */
export function unknownFields(obj: unknown, schema: Schema): string[] {
  const out: string[] = [];
  walk(obj, schema, '', out);
  return out;
}
