import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFieldError } from '../../src/model/field-errors.ts';
import { validateServiceUpdate } from '../../src/config/validate-service-update.ts';
import type { Pod, Service } from '../../src/model/types.ts';
import { okObject, svc } from './config-helpers.ts';

const spec = (raw: unknown) => (okObject(raw) as Service).spec;

test('ClusterIP defaults: namespace, affinity, type, protocol, targetPort, ITP; no ETP', () => {
  const o = okObject(svc({ ports: [{ port: 80, targetPort: '' }] })) as Service;
  assert.is(o.metadata.namespace, 'default');
  assert.equal(o.spec, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster' });
});

test('sessionAffinity None silently drops sessionAffinityConfig', () => {
  assert.is(spec(svc({ sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } })).sessionAffinityConfig, undefined);
});

test('ClientIP with a partial config gets the whole default config', () => {
  assert.equal(spec(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: {} } })).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('externally accessible services get ETP Cluster (NodePort, ClusterIP with externalIPs)', () => {
  assert.is(spec(svc({ type: 'NodePort' })).externalTrafficPolicy, 'Cluster');
  assert.is(spec(svc({ externalIPs: ['192.0.2.1'] })).externalTrafficPolicy, 'Cluster');
});

test('LoadBalancer: allocateLoadBalancerNodePorts true and ingress ipMode VIP', () => {
  const o = okObject(svc({ type: 'LoadBalancer' }, { name: 'web' }, { status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }, { hostname: 'lb.example.com' }] } } })) as Service;
  assert.is(o.spec.allocateLoadBalancerNodePorts, true);
  assert.equal(o.status?.loadBalancer?.ingress, [{ ip: '192.0.2.9', ipMode: 'VIP' }, { hostname: 'lb.example.com' }]);
});

test('ExternalName gets no internalTrafficPolicy', () => {
  assert.is(spec({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }).internalTrafficPolicy, undefined);
});

test('a singular clusterIP is copied into clusterIPs on create', () => {
  assert.equal(spec(svc({ clusterIP: 'None' })).clusterIPs, ['None']);
});

test('Pod defaults: port protocol, probe timings, httpGet path/scheme, enableServiceLinks', () => {
  const pod = okObject({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0' },
    spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { port: 'http' } } }] },
    status: { podIP: '127.0.0.1' },
  }) as Pod;
  const c = pod.spec.containers[0];
  assert.equal(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.equal(c.readinessProbe, { httpGet: { port: 'http', path: '/', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 });
  assert.is(pod.spec.enableServiceLinks, true);
});

const base = () => okObject(svc({ type: 'LoadBalancer', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local', healthCheckNodePort: 31000, loadBalancerClass: 'example.com/a', ipFamilies: ['IPv4'] })) as Service;
const fmt = (next: Service, prev: Service) => validateServiceUpdate(next, prev).map(formatFieldError);

test('update: unchanged service has no update errors', () => assert.equal(fmt(base(), base()), []));

test('update: clusterIPs may not change once set', () => {
  const next = base();
  next.spec.clusterIP = '10.96.0.11';
  next.spec.clusterIPs = ['10.96.0.11'];
  assert.equal(fmt(next, base()), ['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']);
});

test('update: primary clusterIP can not be unset', () => {
  const next = base();
  next.spec.clusterIPs = [];
  assert.ok(fmt(next, base()).includes('spec.clusterIPs[0]: Invalid value: []: primary clusterIP can not be unset'));
});

test('update: ipFamilies, loadBalancerClass and healthCheckNodePort are immutable', () => {
  const next = base();
  next.spec.ipFamilies = ['IPv6'];
  next.spec.loadBalancerClass = 'example.com/b';
  next.spec.healthCheckNodePort = 31001;
  assert.equal(fmt(next, base()), [
    'spec.ipFamilies[0]: Invalid value: ["IPv6"]: may not change once set',
    'spec.loadBalancerClass: Invalid value: "example.com/b": may not change once set',
    'spec.healthCheckNodePort: Forbidden: field is immutable',
  ]);
});

test('update: changing to ExternalName may drop the clusterIPs', () => {
  const next = okObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'ExternalName', externalName: 'x.example.com' } }) as Service;
  assert.equal(fmt(next, base()), []);
});

test.run();
