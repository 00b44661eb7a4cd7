import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatAggregate, type FieldError } from '../../src/model/field-errors.ts';
import { assignNodePorts, createNodePortAllocator, parseNodePortRange } from '../../src/control/node-port-allocator.ts';
import { ApiError } from '../../src/model/api-error.ts';
import type { Service, ServicePort } from '../../src/model/types.ts';

const service = (ports: ServicePort[], spec: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports, ...spec },
});
const errorsOf = (r: unknown) => {
  assert.ok(Array.isArray(r), 'expected field errors');
  return formatAggregate(r as FieldError[]);
};

test('range flag parsing', () => {
  assert.equal(parseNodePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.equal(parseNodePortRange('30000+2767'), { base: 30000, size: 2768 });
  assert.equal(parseNodePortRange('40000'), { base: 40000, size: 1 });
  for (const bad of ['', '0-10', '10-5', '1-70000', 'a-b']) {
    try { parseNodePortRange(bad); assert.unreachable(bad); } catch (err) { assert.is((err as ApiError).code, 'SY_NODE_PORT_RANGE'); }
  }
});

test('explicit ports: upstream texts for out of range and already allocated', () => {
  const a = createNodePortAllocator();
  assert.is(a.allocate(30080), undefined);
  assert.is(a.allocate(30080), 'provided port is already allocated');
  assert.is(a.allocate(8080), 'provided port is not in the valid range. The range of valid ports is 30000-32767');
  assert.is(a.allocate(32768), 'provided port is not in the valid range. The range of valid ports is 30000-32767');
  assert.is(a.allocate(32767), undefined);
});

test('lowest free first, releases reused, exhaustion reported', () => {
  const a = createNodePortAllocator('40000-40002');
  a.allocate(40001);
  assert.is(a.allocateNext(), 40000);
  assert.is(a.allocateNext(), 40002);
  assert.is(a.allocateNext(), undefined);
  a.release(40001);
  assert.is(a.free(), 1);
  assert.is(a.allocateNext(), 40001);
});

test('TCP and UDP of one port number share one nodePort; other ports get their own', () => {
  const a = createNodePortAllocator();
  const s = service([{ name: 'u', port: 53, protocol: 'UDP' }, { name: 't', port: 53, protocol: 'TCP' }, { name: 'w', port: 80, protocol: 'TCP' }]);
  const r = assignNodePorts(a, s, undefined);
  assert.not.ok(Array.isArray(r));
  assert.equal(s.spec.ports!.map((p) => p.nodePort), [30000, 30000, 30001]);
  assert.is(a.free(), 2768 - 2);
});

test('a requested nodePort is shared with the other protocol of the same port', () => {
  const a = createNodePortAllocator();
  const s = service([{ name: 'u', port: 53, protocol: 'UDP' }, { name: 't', port: 53, protocol: 'TCP', nodePort: 30053 }]);
  assignNodePorts(a, s, undefined);
  assert.equal(s.spec.ports!.map((p) => p.nodePort), [30053, 30053]);
});

test('a collision anywhere fails the whole Service and keeps nothing reserved', () => {
  const a = createNodePortAllocator();
  a.allocate(30005);
  const s = service([{ name: 'a', port: 1 }, { name: 'b', port: 2, nodePort: 30005 }, { name: 'c', port: 3, nodePort: 9 }]);
  assert.is(errorsOf(assignNodePorts(a, s, undefined)),
    '[spec.ports[1].nodePort: Invalid value: 30005: provided port is already allocated, spec.ports[2].nodePort: Invalid value: 9: provided port is not in the valid range. The range of valid ports is 30000-32767]');
  assert.is(a.free(), 2768 - 1);
});

test('a range without room for the Service is a 422 naming the first port left without one; nothing stays reserved', () => {
  const a = createNodePortAllocator('40000-40002');
  const s = service([{ name: 'a', port: 1 }, { name: 'b', port: 2, nodePort: 40002 }, { name: 'c', port: 3 }, { name: 'd', port: 4 }]);
  try {
    assignNodePorts(a, s, undefined);
    assert.unreachable();
  } catch (err) {
    const e = err as ApiError;
    assert.equal([e.httpStatus, e.reason, e.code], [422, 'Invalid', 'SY_NODE_PORT_RANGE_FULL']);
    assert.equal(e.details?.causes?.map((c) => [c.field, c.reason]), [['spec.ports[3].nodePort', 'FieldValueForbidden']]);
    assert.match(e.message, 'Service "s" is invalid: spec.ports[3].nodePort: Forbidden: failed to allocate a node port: the range 40000-40002 is full (2 of 3 ports free, this Service needs 3)');
  }
  assert.is(a.free(), 3, 'the requested 40002 was given back too');
  assert.equal(s.spec.ports!.map((p) => p.nodePort), [undefined, 40002, undefined, undefined]);
  const lb = service([{ port: 1 }, { port: 2 }, { port: 3 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  try { assignNodePorts(a, lb, undefined); assert.unreachable(); } catch (err) {
    assert.equal((err as ApiError).details?.causes?.map((c) => c.field), ['spec.healthCheckNodePort']);
  }
  assert.is(a.free(), 3);
});

test('allocateLoadBalancerNodePorts=false allocates nothing but honours explicit ports', () => {
  const a = createNodePortAllocator();
  const s = service([{ name: 'a', port: 1 }, { name: 'b', port: 2, nodePort: 31000 }], { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
  assignNodePorts(a, s, undefined);
  assert.equal(s.spec.ports!.map((p) => p.nodePort), [undefined, 31000]);
  assert.ok(a.has(31000));
});

test('LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort; requested ones are checked', () => {
  const a = createNodePortAllocator();
  const s = service([{ port: 80 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  assignNodePorts(a, s, undefined);
  assert.is(s.spec.ports![0].nodePort, 30000);
  assert.is(s.spec.healthCheckNodePort, 30001);
  const t = service([{ port: 80 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30001 });
  assert.is(errorsOf(assignNodePorts(a, t, undefined)),
    'spec.healthCheckNodePort: Invalid value: 30001: failed to allocate requested HealthCheck NodePort 30001: provided port is already allocated');
  const c = service([{ port: 80 }], { type: 'ClusterIP' });
  assignNodePorts(a, c, undefined);
  assert.is(c.spec.ports![0].nodePort, undefined);
});

test('updates keep ports the Service already holds and release the ones it drops', () => {
  const a = createNodePortAllocator();
  const prev = service([{ name: 'a', port: 1 }, { name: 'b', port: 2 }]);
  assignNodePorts(a, prev, undefined);
  const next = service([{ name: 'a', port: 1, nodePort: 30000 }, { name: 'c', port: 3 }]);
  const r = assignNodePorts(a, next, prev);
  assert.not.ok(Array.isArray(r));
  assert.equal(next.spec.ports!.map((p) => p.nodePort), [30000, 30002]);
  assert.equal((r as { toRelease: number[] }).toRelease, [30001]);
  const toClusterIp = service([{ name: 'a', port: 1 }], { type: 'ClusterIP' });
  const r2 = assignNodePorts(a, toClusterIp, next);
  assert.equal((r2 as { toRelease: number[] }).toRelease.sort(), [30000, 30002]);
});

test.run();
