import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createClusterIpAllocator } from '../../src/control/cluster-ip-allocator.ts';
import { createNodePortAllocator } from '../../src/control/node-port-allocator.ts';
import { allocateService, keepAllocations, releaseService } from '../../src/control/service-allocations.ts';
import { sameContent } from '../../src/control/same-content.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { Service } from '../../src/model/types.ts';

const svc = (spec: Partial<Service['spec']>): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }], ...spec },
});

test('a re-applied manifest without allocations keeps the stored ones', () => {
  const ips = createClusterIpAllocator();
  const ports = createNodePortAllocator();
  const prev = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  allocateService(ips, ports, prev, undefined).settle();
  const next = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  keepAllocations(next, prev);
  const a = allocateService(ips, ports, next, prev);
  assert.equal(next.spec, prev.spec);
  a.settle();
  assert.ok(ips.has(prev.spec.clusterIP!) && ports.has(30000) && ports.has(30001));
  assert.ok(sameContent(next, { ...prev, metadata: { ...prev.metadata, uid: 'x', resourceVersion: '9' } }));
});

test('undo releases what a failed apply took; settle releases what the old version dropped', () => {
  const ips = createClusterIpAllocator('10.0.0.0/29');
  const ports = createNodePortAllocator();
  const a = allocateService(ips, ports, svc({}), undefined);
  a.undo();
  assert.is(ips.free(), 6n);
  assert.is(ports.free(), 2768);
  const prev = svc({});
  allocateService(ips, ports, prev, undefined).settle();
  const next = svc({ type: 'ExternalName', externalName: 'example.com', ports: [] });
  keepAllocations(next, prev);
  assert.is(next.spec.clusterIP, undefined);
  allocateService(ips, ports, next, prev).settle();
  assert.is(ips.free(), 6n);
  assert.is(ports.free(), 2768);
});

test('headless and ExternalName get no address; a second family is refused on a single-stack range', () => {
  const ips = createClusterIpAllocator();
  const ports = createNodePortAllocator();
  const headless = svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] });
  allocateService(ips, ports, headless, undefined);
  assert.equal(headless.spec.clusterIPs, ['None']);
  assert.is(ips.free(), (1n << 20n) - 2n);
  try {
    allocateService(ips, ports, svc({ type: 'ClusterIP', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }), undefined);
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApiError).httpStatus, 422);
    assert.match((err as Error).message, 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  }
  const p = svc({ type: 'ClusterIP' });
  allocateService(ips, ports, p, undefined);
  releaseService(ips, ports, p);
  assert.is(ips.free(), (1n << 20n) - 2n);
});

test('sameContent ignores key order and bookkeeping, not content', () => {
  const a = svc({ selector: { a: '1', b: '2' } });
  const b = svc({ selector: { b: '2', a: '1' } });
  b.metadata.generation = 4;
  assert.ok(sameContent(a, b));
  assert.not.ok(sameContent(a, svc({ selector: { a: '1' } })));
});

test.run();
