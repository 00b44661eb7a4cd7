// Content negotiation and query conventions of the Kubernetes API (API spec §1.2, §1.3): whether a
// request asks for a Table or for aggregated discovery, and how query booleans read. Pure.
import { badRequest } from '../model/api-error.ts';

interface MediaRange { type: string; params: Map<string, string> }

function mediaRanges(accept: string | undefined): MediaRange[] {
  return (accept ?? '').split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const map = new Map<string, string>();
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) map.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    return { type: type.toLowerCase(), params: map };
  }).filter((r) => r.type !== '');
}

const plainJson = (r: MediaRange) => (r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*') && !r.params.has('as');

/** The first range the server can answer decides: a meta.k8s.io Table, or plain JSON. */
export function wantsTable(accept: string | undefined): boolean {
  for (const r of mediaRanges(accept)) {
    if (r.type === 'application/json' && r.params.get('as') === 'Table' && r.params.get('g') === 'meta.k8s.io'
      && (r.params.get('v') === 'v1' || r.params.get('v') === 'v1beta1')) return true;
    if (plainJson(r)) return false;
  }
  return false;
}

/** Whether `/api` or `/apis` should answer with an APIGroupDiscoveryList (v2 or v2beta1 asked first). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  for (const r of mediaRanges(accept)) {
    if (r.type === 'application/json' && r.params.get('g') === 'apidiscovery.k8s.io' && r.params.get('as') === 'APIGroupDiscoveryList'
      && (r.params.get('v') === 'v2' || r.params.get('v') === 'v2beta1')) return true;
    if (plainJson(r)) return false;
  }
  return false;
}

/** apimachinery Convert_Slice_string_To_bool: absent, "0" or "false" (any case) is false; anything else true. */
export function queryBool(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  const v = query.get(name)!.toLowerCase();
  return v !== '0' && v !== 'false';
}

/** A non-negative integer query parameter, or undefined when absent. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest('SY_BAD_QUERY', `${name}: ${JSON.stringify(v)} is not a non-negative integer`);
  return Number(v);
}

/** `resourceVersion`: undefined when unset or "0" (any version, i.e. the current one), else the number. */
export function queryResourceVersion(query: URLSearchParams): number | undefined {
  const v = query.get('resourceVersion');
  if (v === null || v === '' || v === '0') return undefined;
  if (!/^\d+$/.test(v)) {
    throw badRequest('SY_BAD_RESOURCE_VERSION', `resourceVersion: Invalid value: ${JSON.stringify(v)}: must be a resource version this server handed out`);
  }
  return Number(v);
}
