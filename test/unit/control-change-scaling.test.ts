// Issue 5's scaling regression, without timings: with 1,000 unrelated Services applied, one Pod
// change must make the registry recompute the endpoints of the one Service selecting it, and the
// health loop recompute that Service's targets only — not every Service.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRegistry } from '../../src/control/registry.ts';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startHealthManager } from '../../src/health/health-manager.ts';
import type { Pod } from '../../src/model/types.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const UNRELATED = 1000;

/** The Store contract in memory, counting the declared rows and published objects each commit writes. */
function memoryStore() {
  const written: number[] = [];
  const published: number[] = [];
  const store = createMemoryStore({
    beforeCommit(ops) {
      const declared = ops.filter((o) => o.op === 'put' || o.op === 'delete').length;
      if (declared > 0) written.push(declared);
      published.push(ops.length - declared);
    },
  });
  return { store, written, published };
}

const pod = (name: string, app: string, ip: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } },
  spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip },
});
const service = (name: string, app: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

test('one Pod change with 1,000 unrelated Services recomputes one Service, in the registry and the health loop', async () => {
  const { store, written, published } = memoryStore();
  // The registry asks the readiness source once per selected Pod of each Service it recomputes:
  // a spy on it counts recomputations (every unrelated Service selects the `shared` Pod).
  const asked: string[] = [];
  const registry = await createRegistry({ store, readiness: { podReady: (p: Pod) => { asked.push(p.metadata.name ?? ''); return undefined; } } });
  const clock = new FakeClock();
  const recomputed: string[] = [];
  const table = createEndpointTable({ maxSlots: 64, maxServicePorts: 16, affinityEntries: 16 });
  const health = startHealthManager({
    registry, slots: createEndpointSlots(table), clock, random: () => 0.5, maxConcurrent: 4, log: () => {},
    defaultProbe: { enabled: true, periodSeconds: 3600, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
    runProbe: async () => ({ ok: true, message: '' }),
    onServiceRecomputed: (key) => recomputed.push(key),
  });
  const notices: string[][] = [];
  registry.subscribe((n) => notices.push(n.services));
  try {
    await registry.apply(pod('shared', 'shared', '127.0.0.10'));
    for (let i = 0; i < UNRELATED; i++) await registry.apply(service(`s-${i}`, 'shared'));
    await registry.apply(service('changed', 'changed'));
    await clock.advance(0);
    assert.is(health.status().filter((t) => t.kind === 'implicit').length, 1, 'one implicit probe for the shared Pod');

    asked.length = 0;
    recomputed.length = 0;
    notices.length = 0;
    written.length = 0;
    published.length = 0;
    await registry.apply(pod('changed-0', 'changed', '127.0.0.11'));
    await clock.advance(0);
    await registry.flushed();

    assert.equal(notices, [['default/changed']]);
    assert.equal(written, [1], 'one row written');
    // The Pod, the Service's Endpoints and EndpointSlice, events: never one per unrelated Service.
    const total = published.reduce((a, b) => a + b, 0);
    assert.ok(total >= 3 && total < 10, `published ${total} objects`);
    // The changed Service's Pod a few times (endpoints, slices, client views); `shared` at most once
    // (the health loop lists the namespace's Pods). Recomputing every Service would ask ~2,000 times.
    assert.ok(asked.includes('changed-0'), 'the changed Service was recomputed');
    assert.ok(asked.length < 20 && asked.filter((n) => n === 'shared').length <= 1, `registry recomputed only the changed Service (asked about ${asked.length} Pods)`);
    assert.equal(recomputed, ['default/changed'], 'health loop recomputed only the changed Service');
    assert.ok(health.status().some((t) => t.endpoint === '127.0.0.11:8080'), 'the new Pod is probed');
    const eps = registry.get('Endpoints', 'default', 'changed') as { subsets?: { addresses?: { ip: string }[] }[] };
    assert.equal(eps.subsets?.[0]?.addresses?.map((a) => a.ip), ['127.0.0.11']);

    // A readiness change for one Service recomputes that Service only.
    asked.length = 0;
    registry.readinessChanged(['default/changed']);
    assert.ok(asked.length >= 1 && asked.every((n) => n === 'changed-0'), `readinessChanged asked about ${asked.length} Pods`);

    // Deleting the Pod takes it out of the health loop again, still touching one Service.
    recomputed.length = 0;
    await registry.delete('Pod', 'default', 'changed-0');
    await clock.advance(0);
    assert.equal(recomputed, ['default/changed']);
    assert.not.ok(health.status().some((t) => t.endpoint === '127.0.0.11:8080'));
  } finally {
    await health.close();
    await registry.close();
  }
});

test.run();
