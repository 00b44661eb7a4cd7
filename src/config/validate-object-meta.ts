// ValidateObjectMeta (apimachinery pkg/api/validation/objectmeta.go) for namespaced objects:
// generateName, name, namespace, generation, labels, annotations. Pure; any thread.
import type { ObjectMeta } from '../model/types.ts';
import type { FieldError } from '../model/field-errors.ts';
import { invalid, required } from '../model/field-errors.ts';
import type { NameValidator } from './name-formats.ts';
import { each, isQualifiedName, nameIsDNSLabel, validateLabels } from './name-formats.ts';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const k of Object.keys(annotations ?? {}).sort()) {
    errs.push(...each(path, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(annotations![k]);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({ type: 'Too long', field: path, detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return errs;
}

export function validateObjectMeta(meta: ObjectMeta, nameFn: NameValidator, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    errs.push(...each(`${path}.generateName`, meta.generateName, nameFn(meta.generateName, true)));
  }
  // switchyard has no name generator, so a name is required even when generateName is given.
  if (!meta.name) errs.push(required(`${path}.name`, 'name or generateName is required'));
  else errs.push(...each(`${path}.name`, meta.name, nameFn(meta.name, false)));
  if (!meta.namespace) errs.push(required(`${path}.namespace`));
  else errs.push(...each(`${path}.namespace`, meta.namespace, nameIsDNSLabel(meta.namespace, false)));
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(invalid(`${path}.generation`, meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  return errs;
}
