// kubectl describe for kinds without a describer of their own (a Lease): kubectl's genericDescriber
// (pkg/describe/describe.go), which prints name, namespace, labels and annotations, then every other
// field of the object with printUnstructuredContent — keys sorted, camelCase turned into words
// (smartLabelFor: `leaseDurationSeconds` → `Lease Duration Seconds`, `apiVersion` → `API Version`),
// maps and lists indented below their key — then the events. Pure; runs in the CLI process.
import type { ApiObject, KubeEvent } from '../../model/types.ts';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer.ts';

const SKIP = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/** smartLabelFor: words of a camelCase field name, acronyms upper-cased; other names as they are. */
export function smartLabel(field: string): string {
  if (!/^[A-Za-z-]+$/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[A-Z]|-/g) ?? [field];
  return parts.map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1))).join(' ');
}

function content(w: DescribeWriter, level: number, obj: Record<string, unknown>, prefix: string): void {
  for (const field of Object.keys(obj).sort()) {
    const path = `${prefix}.${field}`;
    if (SKIP.has(path)) continue;
    const value = obj[field];
    if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (child !== null && typeof child === 'object') content(w, level + 1, child as Record<string, unknown>, path);
        else w.write(level + 1, `${String(child)}\n`);
      }
    } else if (value !== null && typeof value === 'object') {
      w.write(level, `${smartLabel(field)}:\n`);
      content(w, level + 1, value as Record<string, unknown>, path);
    } else {
      w.write(level, `${smartLabel(field)}:\t${value === null ? '<nil>' : String(value)}\n`);
    }
  }
}

export function describeGeneric(obj: ApiObject, events: KubeEvent[], now: number): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${obj.metadata.name ?? ''}\n`);
  w.write(0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
  writeLabels(w, 'Labels', obj.metadata.labels);
  writeAnnotations(w, obj.metadata.annotations);
  content(w, 0, obj as unknown as Record<string, unknown>, '');
  writeEvents(w, events, now);
  return w.take();
}
