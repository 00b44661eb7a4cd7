// switchyard's one deliberate metadata default: a missing namespace means `default`, as kubectl
// assumes (spec "Deliberate differences" 1). Pure; any thread.
import type { ObjectMeta } from './types.ts';

export function namespaceOf(meta: ObjectMeta | undefined): string {
  return meta?.namespace || 'default';
}

/** A `namespace/name` key (how Services and Pods are named across the server) into its two parts. */
export function splitNamespacedKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
