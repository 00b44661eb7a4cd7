// A declared Namespace (kubectl apply -f ns.yaml, POST /api/v1/namespaces): checked and reduced to
// what switchyard keeps of it (name, labels, annotations). Pure; main thread.
import { validateObjectMeta } from '../config/validate-object-meta.ts';
import { nameIsDNSLabel } from '../config/name-formats.ts';
import { invalidError } from '../model/api-error.ts';
import { required } from '../model/field-errors.ts';
import type { Namespace } from '../model/types.ts';

export function prepareNamespace(raw: unknown): Namespace {
  const body = structuredClone(raw) as Namespace;
  const meta = body.metadata ?? {};
  const name = meta.name ?? '';
  if (!name) throw invalidError('Namespace', '', [required('metadata.name', 'name or generateName is required')]);
  // Cluster-scoped: validated as a namespaced object in a placeholder namespace, then the namespace dropped.
  const errs = validateObjectMeta({ ...meta, namespace: 'default' }, nameIsDNSLabel).filter((e) => !e.field.startsWith('metadata.namespace'));
  if (errs.length) throw invalidError('Namespace', name, errs);
  const out: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  if (meta.labels) out.metadata.labels = meta.labels;
  if (meta.annotations) out.metadata.annotations = meta.annotations;
  if (meta.managedFields) out.metadata.managedFields = meta.managedFields;
  if (meta.resourceVersion) out.metadata.resourceVersion = meta.resourceVersion;
  return out;
}
