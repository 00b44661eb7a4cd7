// Whether a re-applied object differs from the stored one in anything the user controls: the
// registry's created/configured/unchanged decision. Key order never matters (YAML reordering is
// no change); server bookkeeping in metadata is ignored. Pure.
import type { KubeObject } from '../model/types.ts';

const BOOKKEEPING = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']);

function canonical(value: unknown, drop?: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || drop?.has(k)) continue;
    out[k] = canonical(v);
  }
  return out;
}

export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => canonical({ ...o, metadata: canonical(o.metadata, BOOKKEEPING) });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
