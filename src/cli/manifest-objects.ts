// `-f PATH…` → the objects apply and delete act on: read (files, directories, `-` for stdin),
// parsed, namespaced (-n or `default`), and checked with the same defaulting and validation the
// server runs, so invalid and unserved objects are reported without a round trip. Runs in the CLI.
import type { KindName } from '../model/types.ts';
import { ApiError, invalidError } from '../model/api-error.ts';
import { parseManifests } from '../config/parse-manifests.ts';
import { prepareObject, resourceName } from '../config/prepare-object.ts';
import { readManifestPaths } from '../config/read-manifest-paths.ts';
import { CliError, formatApiError } from './cli-error.ts';
import type { CliContext } from './verb.ts';

export type ManifestItem =
  /** `body` is the document as written (namespace filled in): the server does its own defaulting. */
  | { status: 'served'; kind: KindName; namespace: string; name: string; label: string; body: Record<string, unknown>; source: string }
  | { status: 'skipped'; label: string; reason: string }
  /** `message` is the whole kubectl-style error text. */
  | { status: 'error'; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills metadata.namespace from -n; an object naming another namespace than an explicit -n is refused (kubectl). */
function withNamespace(ctx: CliContext, doc: unknown): { doc: unknown; error?: string } {
  if (!isObject(doc)) return { doc };
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  if (ns !== undefined && ctx.namespaceExplicit && ns !== ctx.namespace) {
    return { doc, error: `error: the namespace from the provided object "${ns}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${ns}' to perform this operation.` };
  }
  return { doc: { ...doc, metadata: { ...meta, namespace: ns ?? ctx.namespace } } };
}

export async function readManifestObjects(ctx: CliContext, paths: string[]): Promise<ManifestItem[]> {
  let sources: { source: string; text: string }[];
  try {
    sources = await readManifestPaths(paths, ctx.readStdin);
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(err.code, err.message);
    throw err;
  }
  const items: ManifestItem[] = [];
  for (const { source, text } of sources) {
    let docs: unknown[];
    try {
      docs = parseManifests(text, source);
    } catch (err) {
      items.push({ status: 'error', message: `error: ${(err as Error).message}` });
      continue;
    }
    for (const raw of docs) {
      const { doc, error } = withNamespace(ctx, raw);
      if (error) { items.push({ status: 'error', message: error }); continue; }
      const prepared = prepareObject(doc);
      if (prepared.status === 'skipped') {
        items.push({ status: 'skipped', label: `${resourceName(prepared.kind, prepared.apiVersion)}/${prepared.name}`, reason: prepared.reason });
      } else if (prepared.status === 'invalid') {
        items.push({ status: 'error', message: formatApiError(invalidError(prepared.kind, prepared.name, prepared.errors)) });
      } else {
        const obj = prepared.object;
        items.push({
          status: 'served', kind: obj.kind, namespace: obj.metadata.namespace ?? ctx.namespace, name: obj.metadata.name ?? '',
          label: `${resourceName(obj.kind, obj.apiVersion)}/${obj.metadata.name ?? ''}`, body: doc as Record<string, unknown>, source,
        });
      }
    }
  }
  return items;
}
