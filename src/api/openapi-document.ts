// The OpenAPI v3 documents of the served group-versions (`/openapi/v3` and one document per
// group-version), built from schema.ts: kubectl explain reads their schemas, kubectl's
// fieldValidation probe looks for the parameter on each kind's PATCH, and client-side apply reads
// the patch strategies and merge keys. Pure; built once per process.
import { createHash } from 'node:crypto';
import { API_RESOURCES } from './api-resources.ts';
import { allTypes, objectType, resolve, type ObjectType, type Schema } from './schema.ts';

type Obj = Record<string, unknown>;
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

function schemaJson(s: Schema, refs: Set<string>): Obj {
  const d = s.description ? { description: s.description } : {};
  switch (s.type) {
    case 'string': return { type: 'string', ...(s.format ? { format: s.format } : {}), ...(s.enum ? { enum: s.enum } : {}), ...d };
    case 'integer': return { type: 'integer', format: s.format ?? 'int32', ...d };
    case 'boolean': return { type: 'boolean', ...d };
    case 'number': return { type: 'number', format: 'double', ...d };
    case 'int-or-string': refs.add(INT_OR_STRING); return { allOf: [{ $ref: `#/components/schemas/${INT_OR_STRING}` }], ...d };
    case 'any': return { 'x-kubernetes-preserve-unknown-fields': true, ...d };
    case 'map': return { type: 'object', additionalProperties: schemaJson(s.values, refs), ...d };
    case 'ref': refs.add(s.name); return s.description ? { allOf: [{ $ref: `#/components/schemas/${s.name}` }], ...d } : { $ref: `#/components/schemas/${s.name}` };
    case 'array': return {
      type: 'array', items: schemaJson(s.items, refs), ...d,
      ...(s.listType ? { 'x-kubernetes-list-type': s.listType } : {}),
      ...(s.listMapKeys ? { 'x-kubernetes-list-map-keys': s.listMapKeys } : {}),
      ...(s.patchStrategy ? { 'x-kubernetes-patch-strategy': s.patchStrategy } : {}),
      ...(s.patchMergeKey ? { 'x-kubernetes-patch-merge-key': s.patchMergeKey } : {}),
    };
  }
}

function typeJson(t: ObjectType, refs: Set<string>): Obj {
  const properties: Obj = {};
  for (const [k, s] of Object.entries(t.properties)) properties[k] = schemaJson(s, refs);
  return {
    description: t.description, type: 'object', properties,
    ...(t.required ? { required: t.required } : {}),
    ...(t.gvk ? { 'x-kubernetes-group-version-kind': [t.gvk] } : {}),
  };
}

const param = (name: string, description: string) => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted. The only valid value is All.'),
  param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict (the default).'),
];

const SELECTOR_PARAMS = [
  param('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  param('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
];
const DELETE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param('gracePeriodSeconds', 'Accepted; deletion is immediate.'),
  param('propagationPolicy', 'Foreground, Background or Orphan; accepted, nothing has dependents to collect.'),
];

function operations(group: string, version: string): Obj {
  const paths: Obj = {};
  const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
  for (const r of API_RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const type = resolve(r.schema)!.name;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    const op = (action: string, extra: Obj = {}) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, responses: { 200: { description: 'OK', ...json(type) } }, ...extra });
    const writes = r.verbs.includes('create');
    paths[collection] = {
      get: op('list', { parameters: [...SELECTOR_PARAMS, param('watch', 'Watch for changes to the described resources.')] }),
      ...(writes ? { post: op('post', { parameters: WRITE_PARAMS, requestBody: json(type) }) } : {}),
      ...(r.verbs.includes('deletecollection') ? {
        delete: op('deletecollection', {
          parameters: [...SELECTOR_PARAMS, ...DELETE_PARAMS],
          // The list of the deleted objects, in the list kind.
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
        }),
      } : {}),
    };
    paths[`${collection}/{name}`] = {
      get: op('get'),
      ...(writes ? {
        put: op('put', { parameters: WRITE_PARAMS, requestBody: json(type) }),
        patch: op('patch', {
          parameters: [...WRITE_PARAMS, param('force', 'Force is going to "force" Apply requests.')],
          requestBody: { content: Object.fromEntries(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']
            .map((t) => [t, { schema: { type: 'object' } }])) },
        }),
        delete: op('delete', { parameters: DELETE_PARAMS }),
      } : {}),
    };
  }
  return paths;
}

export interface OpenApiDocument { path: string; hash: string; body: string }

function buildDocument(group: string, version: string): OpenApiDocument {
  const refs = new Set<string>();
  for (const r of API_RESOURCES) if (r.group === group && r.version === version) refs.add(resolve(r.schema)!.name);
  const schemas: Obj = {};
  const done = new Set<string>();
  while ([...refs].some((n) => !done.has(n))) {
    for (const name of [...refs]) {
      if (done.has(name)) continue;
      done.add(name);
      if (name === INT_OR_STRING) { schemas[name] = { description: 'IntOrString is a type that can hold an int32 or a string.', type: 'string', format: 'int-or-string' }; continue; }
      const t = objectType(name);
      if (t) schemas[name] = typeJson(t, refs);
    }
  }
  const doc = {
    openapi: '3.0.0', info: { title: 'switchyard', version: 'v1.32.0' },
    paths: operations(group, version),
    components: { schemas: Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]])) },
  };
  const body = JSON.stringify(doc);
  const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase();
  return { path: group ? `apis/${group}/${version}` : `api/${version}`, hash, body };
}

let cached: OpenApiDocument[] | undefined;

/** One document per served group-version (the same for the life of the process). */
export function openApiDocuments(): OpenApiDocument[] {
  if (!cached) {
    allTypes();
    const gvs = new Map<string, { group: string; version: string }>();
    for (const r of API_RESOURCES) gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
    cached = [...gvs.values()].map((gv) => buildDocument(gv.group, gv.version));
  }
  return cached;
}

/** The `/openapi/v3` index. */
export function openApiIndex(): Obj {
  return { paths: Object.fromEntries(openApiDocuments().map((d) => [d.path, { serverRelativeURL: `/openapi/v3/${d.path}?hash=${d.hash}` }])) };
}
