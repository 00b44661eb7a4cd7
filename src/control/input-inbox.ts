// Other instances' declared changes (and this one's, seen again) from a shared store, held from
// the moment the registry subscribes (before it loads the store, so nothing committed in between
// is missed) until the follower that applies them exists. Services' allocations are reserved at
// once, not when the follower gets to them after the writes queued before: a burst of creates on
// another instance would otherwise keep this one offering taken addresses. Main thread.
import type { Service } from '../model/types.ts';
import type { InputChange, SharedStoreFeatures } from '../store/store.ts';

export interface InputInbox {
  /** From now on changes go to `fn`, those held so far first, in order. */
  deliverTo(fn: (changes: InputChange[]) => void): void;
  close(): void;
}

export function openInputInbox(shared: Pick<SharedStoreFeatures, 'onInputChange'>, reserve: (svc: Service) => void): InputInbox {
  let deliver: ((changes: InputChange[]) => void) | undefined;
  const held: InputChange[][] = [];
  const unsubscribe = shared.onInputChange((changes) => {
    for (const c of changes) if (c.object?.kind === 'Service') reserve(c.object);
    if (deliver) deliver(changes); else held.push(changes);
  });
  return {
    deliverTo(fn) {
      deliver = fn;
      for (const changes of held.splice(0)) fn(changes);
    },
    close: unsubscribe,
  };
}
