// The OpenAPI v2 document (`/openapi/v2`) in the only form kubectl asks for it: gnostic's
// openapi.v2.Document protobuf (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
// kubectl before 1.27 validates manifests and runs `explain` with it; newer ones use v3 and fall
// back to it only when v3 lacks a kind. Same schemas as the v3 documents (schema.ts). Pure.
import { allTypes, type ObjectType, type Schema } from './schema.ts';
import { API_RESOURCES } from './api-resources.ts';
import { ProtoWriter } from './protobuf-writer.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

// gnostic openapi.v2 field numbers.
const DOC = { swagger: 1, info: 2, paths: 8, definitions: 9 };
const PATH_ITEM = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };
const OPERATION = { parameters: 8, vendorExtension: 13 };
const SCHEMA = { ref: 1, format: 2, description: 4, required: 19, additionalProperties: 21, type: 22, items: 23, properties: 25, vendorExtension: 31 };

function extension(w: ProtoWriter, name: string, yaml: string): void {
  w.message(SCHEMA.vendorExtension, (n) => n.string(1, name).message(2, (a) => a.string(2, yaml)));
}

function writeSchema(w: ProtoWriter, s: Schema): void {
  if (s.type === 'ref') {
    w.string(SCHEMA.ref, `#/definitions/${s.name}`).string(SCHEMA.description, s.description);
    return;
  }
  w.string(SCHEMA.description, s.description);
  const type = (t: string) => w.message(SCHEMA.type, (ti) => ti.string(1, t));
  switch (s.type) {
    case 'string': type('string'); w.string(SCHEMA.format, s.format); break;
    case 'integer': type('integer'); w.string(SCHEMA.format, s.format ?? 'int32'); break;
    case 'boolean': type('boolean'); break;
    case 'number': type('number'); w.string(SCHEMA.format, 'double'); break;
    case 'int-or-string': w.string(SCHEMA.ref, `#/definitions/${INT_OR_STRING}`); break;
    // No type: kubectl's validator takes any value.
    case 'any': break;
    case 'map':
      type('object');
      w.message(SCHEMA.additionalProperties, (ap) => ap.message(1, (sw) => writeSchema(sw, s.values)));
      break;
    case 'array':
      type('array');
      w.message(SCHEMA.items, (it) => it.message(1, (sw) => writeSchema(sw, s.items)));
      if (s.listType) extension(w, 'x-kubernetes-list-type', s.listType);
      if (s.listMapKeys) extension(w, 'x-kubernetes-list-map-keys', s.listMapKeys.map((k) => `- ${k}`).join('\n'));
      if (s.patchStrategy) extension(w, 'x-kubernetes-patch-strategy', s.patchStrategy);
      if (s.patchMergeKey) extension(w, 'x-kubernetes-patch-merge-key', s.patchMergeKey);
      break;
  }
}

function writeType(w: ProtoWriter, t: ObjectType): void {
  w.string(SCHEMA.description, t.description);
  for (const r of t.required ?? []) w.string(SCHEMA.required, r);
  w.message(SCHEMA.type, (ti) => ti.string(1, 'object'));
  w.message(SCHEMA.properties, (p) => {
    for (const [name, s] of Object.entries(t.properties)) p.message(1, (ns) => ns.string(1, name).message(2, (sw) => writeSchema(sw, s)));
  });
  if (t.gvk) extension(w, 'x-kubernetes-group-version-kind', `- group: "${t.gvk.group}"\n  kind: ${t.gvk.kind}\n  version: ${t.gvk.version}\n`);
}

/**
 * The write operations of every kind, each with its group/version/kind and the dryRun and
 * fieldManager query parameters: kubectl before 1.27 refuses `--dry-run=server` for a kind whose
 * operations do not declare dryRun.
 */
function writePaths(w: ProtoWriter): void {
  const query = (name: string) => (op: ProtoWriter) => op.message(OPERATION.parameters, (pi) => pi.message(1, (p) => p.message(2, (nb) =>
    nb.message(3, (q) => q.string(2, 'query').string(4, name).string(6, 'string')))));
  for (const r of API_RESOURCES) {
    if (!r.verbs.includes('create')) continue;
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    const gvk = `group: "${r.group}"\nkind: ${r.kind}\nversion: ${r.version}\n`;
    const op = (build: (o: ProtoWriter) => void) => (o: ProtoWriter) => {
      build(o);
      query('dryRun')(o);
      query('fieldManager')(o);
      o.message(OPERATION.vendorExtension, (n) => n.string(1, 'x-kubernetes-group-version-kind').message(2, (a) => a.string(2, gvk)));
    };
    w.message(2, (np) => np.string(1, collection).message(2, (pi) => pi.message(PATH_ITEM.post, op(() => {}))));
    w.message(2, (np) => np.string(1, `${collection}/{name}`).message(2, (pi) => pi
      .message(PATH_ITEM.put, op(() => {})).message(PATH_ITEM.patch, op(() => {})).message(PATH_ITEM.delete, op(() => {}))));
  }
}

let cached: Uint8Array | undefined;

export function openApiV2Protobuf(): Uint8Array {
  if (cached) return cached;
  const doc = new ProtoWriter()
    .string(DOC.swagger, '2.0')
    .message(DOC.info, (i) => i.string(1, 'switchyard').string(2, 'v1.32.0'))
    .message(DOC.paths, writePaths)
    .message(DOC.definitions, (d) => {
      d.message(1, (ns) => ns.string(1, INT_OR_STRING).message(2, (sw) => {
        sw.string(SCHEMA.format, 'int-or-string').message(SCHEMA.type, (ti) => ti.string(1, 'string'));
      }));
      for (const t of allTypes().sort((a, b) => (a.name < b.name ? -1 : 1))) d.message(1, (ns) => ns.string(1, t.name).message(2, (sw) => writeType(sw, t)));
    });
  cached = doc.finish();
  return cached;
}
