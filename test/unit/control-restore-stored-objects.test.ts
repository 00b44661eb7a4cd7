import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createClusterIpAllocator } from '../../src/control/cluster-ip-allocator.ts';
import { createEventLog } from '../../src/control/event-log.ts';
import { createNodePortAllocator } from '../../src/control/node-port-allocator.ts';
import { createObjectIndex } from '../../src/control/object-index.ts';
import { restoreStoredObjects } from '../../src/control/restore-stored-objects.ts';
import type { KubeObject, Service } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/store.ts';

const storeOf = (objects: KubeObject[]): Store => ({
  ...createMemoryStore(),
  load: async () => structuredClone(objects),
  commit: async () => { throw new Error('restore must not write'); },
});

const nodePortSvc = (name: string, clusterIP: string, nodePort: number, rv: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv },
  spec: {
    type: 'NodePort', clusterIP, clusterIPs: [clusterIP],
    // The same node port for TCP and UDP: one reservation, not a collision with itself.
    ports: [{ port: 53, protocol: 'TCP', nodePort }, { port: 53, protocol: 'UDP', nodePort }],
  },
});

const pod: KubeObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'other', resourceVersion: '12' },
  spec: { containers: [{ name: 'c' }] },
};

test('restores every object and re-reserves allocations; declared Namespaces are returned apart', async () => {
  const index = createObjectIndex();
  const ips = createClusterIpAllocator('127.96.0.0/12');
  const ports = createNodePortAllocator('30000-30100');
  const events = createEventLog({ clock: () => 0 });
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as unknown as KubeObject;
  const restored = await restoreStoredObjects(storeOf([nodePortSvc('dns', '127.96.0.7', 30053, '7'), pod, ns]), { index, ips, ports, events });
  assert.equal(restored.namespaces.map((n) => n.metadata.name), ['team']);
  assert.is(index.count('team'), 0);
  assert.ok(index.get('Service', 'default', 'dns'));
  assert.ok(index.get('Pod', 'other', 'p'));
  assert.ok(ips.has('127.96.0.7'));
  assert.ok(ports.has(30053));
  assert.equal(events.list(), []);
});

test('a stored allocation outside the current flags is a Warning event, not a refusal to start', async () => {
  const index = createObjectIndex();
  const ips = createClusterIpAllocator('10.0.0.0/24');
  const ports = createNodePortAllocator('31000-31010');
  const events = createEventLog({ clock: () => 0 });
  await restoreStoredObjects(storeOf([nodePortSvc('dns', '127.96.0.7', 30053, '3')]), { index, ips, ports, events });
  assert.ok(index.get('Service', 'default', 'dns'));
  const seen = events.list().map((e) => [e.involvedObject.name, e.involvedObject.uid, e.type, e.reason, e.count]);
  assert.equal(seen, [
    ['dns', 'uid-dns', 'Warning', 'ClusterIPNotReserved', 1],
    ['dns', 'uid-dns', 'Warning', 'NodePortNotReserved', 1],
  ]);
  assert.match(events.list()[1].message ?? '', /^stored node port 30053: /);
});

test.run();
