// The involvedObject of an event as kubectl expects it: what the reporter named (kind, namespace,
// name), completed with the object's uid and resourceVersion as published, and its apiVersion,
// so `describe` finds the events of that object and not of an earlier one by the same name. Pure:
// the published object is looked up through the function given. Main thread.
import type { ApiObject, KindName, ObjectReference } from '../model/types.ts';
import { KINDS } from '../model/types.ts';

export function eventReference(involved: ObjectReference, published: (kind: KindName, namespace: string, name: string) => ApiObject | undefined): ObjectReference {
  const ref = { ...involved };
  if (ref.kind && ref.name && (ref.kind in KINDS)) {
    const obj = published(ref.kind as KindName, ref.namespace ?? 'default', ref.name);
    if (obj) {
      ref.uid ??= obj.metadata.uid;
      ref.resourceVersion ??= obj.metadata.resourceVersion;
    }
    ref.apiVersion ??= KINDS[ref.kind as KindName].apiVersion;
  }
  return ref;
}
