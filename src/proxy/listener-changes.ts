// The diff between the listeners a Service has and the ones it wants, as data: which to close,
// which to open, which it wants but another Service holds. Main thread, pure; ServiceListeners
// applies it. A listener whose Service port or source ranges changed is closed and opened again
// (a worker builds its source-range matcher and port binding once per listener); one that stays
// the same is left alone, so its established connections never notice the change.
import type { ListenerSpec } from '../shared/messages.ts';

export interface HeldListener {
  spec: ListenerSpec;
  /** `ns/name` of the Service that holds it. */
  service: string;
}

export interface ListenerChanges {
  /** Ids of the Service's listeners to close, in the order it holds them. */
  close: string[];
  /** Listeners to open, in the order wanted (an id wanted twice, once). */
  open: ListenerSpec[];
  /** Wanted, but held by another Service: not opened. */
  taken: { spec: ListenerSpec; by: string }[];
}

/** `held`: every listener of this switchyard by id; `own`: the ids Service `service` holds. */
export function listenerChanges(service: string, own: Iterable<string>, held: ReadonlyMap<string, HeldListener>, wanted: ListenerSpec[]): ListenerChanges {
  const close: string[] = [];
  const kept = new Set<string>();
  for (const id of own) {
    const state = held.get(id)!;
    const next = wanted.find((l) => l.id === id);
    if (next && next.servicePortIndex === state.spec.servicePortIndex && next.sourceRanges.join() === state.spec.sourceRanges.join()) kept.add(id);
    else close.push(id);
  }
  const open: ListenerSpec[] = [];
  const taken: ListenerChanges['taken'] = [];
  for (const spec of wanted) {
    if (kept.has(spec.id)) continue;
    const other = held.get(spec.id);
    if (other && other.service !== service) { taken.push({ spec, by: other.service }); continue; }
    kept.add(spec.id);
    open.push(spec);
  }
  return { close, open, taken };
}
