// switchyard's one deliberate metadata default: a missing namespace means `default`, as kubectl
// assumes (spec "Deliberate differences" 1). Pure; any thread.
import type { ObjectMeta } from './types.ts';

export function namespaceOf(meta: ObjectMeta | undefined): string {
  return meta?.namespace || 'default';
}
