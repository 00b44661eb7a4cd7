// The real registry (src/control/registry.ts) over an in-memory Store, for tests of what reads the
// control plane (the health loop): validation, defaulting, endpoint computation, readiness and
// change notices are the product's own, only the disk is left out.
import * as assert from 'uvu/assert';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import type { KindName, KubeObject, ObjectReference } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/store.ts';

/** The Store contract in memory (src/store/memory-store.ts): the same as sqlite-store.ts, without a file. */
export function memoryStore(): Store {
  return createMemoryStore();
}

export interface RecordedEvent { involved: ObjectReference; type: string; reason: string; message: string; count: number }

export interface TestRegistry {
  /** Hand this to the code under test: the registry, counting readinessChanged calls. */
  readonly registry: Registry;
  readonly readinessCalls: number;
  /** Applies `obj`; fails the test when the registry refuses it. */
  put(obj: KubeObject): Promise<void>;
  remove(kind: KindName, namespace: string, name: string): Promise<void>;
  /** Every event, oldest first, with its aggregation count. */
  events(): RecordedEvent[];
  /** The ready condition of a Service's endpoints, by IP. */
  readyByIp(namespace: string, name: string): Record<string, boolean>;
  close(): Promise<void>;
}

export async function memoryRegistry(opts: { clock?: () => number } = {}): Promise<TestRegistry> {
  const real = await createRegistry({ store: memoryStore(), clock: opts.clock });
  let readinessCalls = 0;
  const registry: Registry = {
    ...real,
    readinessChanged(services) {
      readinessCalls += 1;
      real.readinessChanged(services);
    },
  };
  return {
    registry,
    get readinessCalls() { return readinessCalls; },
    async put(obj) {
      const outcome = await real.apply(obj).then(() => 'ok', (err: Error) => err.message);
      assert.is(outcome, 'ok', `${obj.kind} ${obj.metadata.name}`);
    },
    async remove(kind, namespace, name) {
      await real.delete(kind, namespace, name);
    },
    events() {
      return real.events({}).map((e) => ({ involved: e.involvedObject, type: e.type, reason: e.reason, message: e.message, count: e.count ?? 1 }));
    },
    readyByIp(namespace, name) {
      const out: Record<string, boolean> = {};
      for (const s of real.serviceSlices(namespace, name)) for (const e of s.endpoints ?? []) out[e.addresses[0]] = e.conditions?.ready ?? true;
      return out;
    },
    close: () => real.close(),
  };
}
