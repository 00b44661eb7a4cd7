// The JSON-type pass that runs before defaulting and validation, standing in for the apiserver's
// typed decoding: a value of the wrong JSON type becomes a field error (never a TypeError later),
// `null` on an object field means "unset" as in Go's decoder and is removed, and unknown fields
// are left alone. Pure; mutates the (already cloned) input only to drop nulls. Any thread.
import { resourceOfKind } from '../api/api-resources.ts';
import { resolve, type Schema } from '../api/schema.ts';
import type { FieldError } from '../model/field-errors.ts';
import { invalid } from '../model/field-errors.ts';

export type Shape =
  | 'string' | 'int' | 'bool' | 'intOrString' | 'any'
  | { obj: Record<string, Shape> }
  | { list: Shape }
  | { map: Shape };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(shape: Shape): string {
  if (typeof shape === 'string') {
    return { string: 'must be a string', int: 'must be an integer', bool: 'must be a boolean', intOrString: 'must be an integer or a string', any: '' }[shape];
  }
  if ('obj' in shape || 'map' in shape) return 'must be an object';
  return 'must be a list';
}

/** Checks `value` (present, not null) against `shape`; appends one error per mismatch. */
export function checkShape(value: unknown, shape: Shape, path: string, errs: FieldError[]): void {
  if (shape === 'any') return;
  const bad = () => errs.push(invalid(path, value, describe(shape)));
  if (shape === 'string') { if (typeof value !== 'string') bad(); return; }
  if (shape === 'bool') { if (typeof value !== 'boolean') bad(); return; }
  if (shape === 'int') { if (!Number.isInteger(value)) bad(); return; }
  if (shape === 'intOrString') { if (!Number.isInteger(value) && typeof value !== 'string') bad(); return; }
  if ('list' in shape) {
    if (!Array.isArray(value)) { bad(); return; }
    value.forEach((item, i) => checkShape(item, shape.list, `${path}[${i}]`, errs));
    return;
  }
  if (!isObject(value)) { bad(); return; }
  if ('map' in shape) {
    for (const k of Object.keys(value)) checkShape(value[k], shape.map, `${path}[${k}]`, errs);
    return;
  }
  for (const [k, sub] of Object.entries(shape.obj)) {
    if (!(k in value)) continue;
    if (value[k] === null) { delete value[k]; continue; }
    checkShape(value[k], sub, path ? `${path}.${k}` : k, errs);
  }
}

/**
 * The shape of a field as the served schemas (src/api) define it: one description of the fields
 * serves this check, strict field validation, the OpenAPI documents and the patch strategies.
 */
export function shapeOf(schema: Schema): Shape {
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer': return 'int';
    case 'boolean': return 'bool';
    case 'int-or-string': return 'intOrString';
    case 'number': case 'any': return 'any';
    case 'map': return { map: shapeOf(schema.values) };
    case 'array': return { list: shapeOf(schema.items) };
    case 'ref': {
      const t = resolve(schema)!;
      const obj: Record<string, Shape> = {};
      for (const [k, v] of Object.entries(t.properties)) obj[k] = shapeOf(v);
      return { obj };
    }
  }
}

export const SHAPES: Record<'Service' | 'Endpoints' | 'EndpointSlice' | 'Pod', Shape> = {
  Service: shapeOf(resourceOfKind('Service').schema),
  Endpoints: shapeOf(resourceOfKind('Endpoints').schema),
  EndpointSlice: shapeOf(resourceOfKind('EndpointSlice').schema),
  Pod: shapeOf(resourceOfKind('Pod').schema),
};
