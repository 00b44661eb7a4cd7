// Applies the manifests under `serve -f` paths straight to the registry, at start-up and on SIGHUP.
// Main thread. Prints the same lines `switchyard apply` prints; a bad document is reported and
// skipped, the rest still applies (an unreadable path is reported too, and nothing else changes).
import { readManifestPaths } from '../config/read-manifest-paths.ts';
import { parseManifests } from '../config/parse-manifests.ts';
import { prepareObject, resourceName } from '../config/prepare-object.ts';
import { ApiError } from '../model/api-error.ts';
import type { ControlPlaneApi } from '../control/control-plane-api.ts';

export interface ApplyLine {
  text: string;
  skipped?: boolean;
  error?: boolean;
}

export async function applyManifestPaths(control: ControlPlaneApi, paths: string[]): Promise<ApplyLine[]> {
  const out: ApplyLine[] = [];
  let sources: { source: string; text: string }[];
  try {
    sources = await readManifestPaths(paths);
  } catch (err) {
    return [{ text: `error: ${(err as Error).message}`, error: true }];
  }
  for (const { source, text } of sources) {
    let docs: unknown[];
    try {
      docs = parseManifests(text, source);
    } catch (err) {
      out.push({ text: `error: ${(err as Error).message}`, error: true });
      continue;
    }
    for (const doc of docs) {
      const prepared = prepareObject(doc);
      if (prepared.status === 'skipped') {
        out.push({ text: `${resourceName(prepared.kind, prepared.apiVersion)}/${prepared.name} skipped: ${prepared.reason}`, skipped: true });
        continue;
      }
      try {
        const r = await control.apply(doc);
        const meta = r.object.metadata;
        out.push({ text: `${resourceName(r.object.kind, r.object.apiVersion)}/${meta.name} ${r.outcome}` });
      } catch (err) {
        const msg = err instanceof ApiError && err.reason === 'Invalid' ? `The ${err.message}` : `error: ${(err as Error).message}`;
        out.push({ text: `${msg} (from ${source})`, error: true });
      }
    }
  }
  return out;
}
