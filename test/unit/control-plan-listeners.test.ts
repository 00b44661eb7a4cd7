import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planListeners, sourceRanges, portKey } from '../../src/proxy/plan-listeners.ts';
import { parseDurationMs, servicePortOptions, weightFromAnnotations } from '../../src/proxy/service-port-options.ts';
import { createLbAddressPool } from '../../src/proxy/lb-address-pool.ts';
import type { Service } from '../../src/model/types.ts';
import type { SyError } from '../../src/model/sy-error.ts';

const svc = (spec: Service['spec'], annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', annotations }, spec,
});
const idx = (p: { name?: string; protocol?: string }) => (p.name === 'b' ? 2 : 1);

test('ClusterIP: one listener per port on the cluster IP', () => {
  const l = planListeners({ service: svc({ type: 'ClusterIP', clusterIP: '127.96.0.5', clusterIPs: ['127.96.0.5'], ports: [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'b', port: 443, protocol: 'TCP' }] }), servicePortIndex: idx, nodeAddresses: ['0.0.0.0'] });
  assert.equal(l.map((x) => [x.id, x.role, x.servicePortIndex]), [['127.96.0.5:80/TCP', 'clusterIP', 1], ['127.96.0.5:443/TCP', 'clusterIP', 2]]);
});

test('NodePort adds every node address; externalIPs too', () => {
  const l = planListeners({ service: svc({ type: 'NodePort', clusterIP: '127.96.0.5', externalIPs: ['127.0.0.9'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }), servicePortIndex: idx, nodeAddresses: ['127.0.0.1', '::1'] });
  assert.equal(l.map((x) => x.id), ['127.96.0.5:80/TCP', '127.0.0.9:80/TCP', '127.0.0.1:30080/TCP', '[::1]:30080/TCP']);
});

test('LoadBalancer listens on its address with the source ranges; NodePort has none', () => {
  const s = svc({ type: 'LoadBalancer', clusterIP: '127.96.0.5', loadBalancerSourceRanges: [' 10.0.0.0/8 '], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] });
  const l = planListeners({ service: s, servicePortIndex: idx, nodeAddresses: ['127.0.0.1'], loadBalancerAddress: '127.112.0.1' });
  assert.equal(l.map((x) => [x.id, x.role, x.sourceRanges]), [
    ['127.96.0.5:80/TCP', 'clusterIP', []], ['127.0.0.1:30080/TCP', 'nodePort', []], ['127.112.0.1:80/TCP', 'loadBalancer', ['10.0.0.0/8']]]);
});

test('source ranges fall back to the annotation', () => {
  assert.equal(sourceRanges(svc({}, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '1.2.3.0/24, 5.6.0.0/16' })), ['1.2.3.0/24', '5.6.0.0/16']);
});

test('headless and ExternalName get no listener', () => {
  assert.equal(planListeners({ service: svc({ clusterIP: 'None', ports: [{ port: 80 }] }), servicePortIndex: idx, nodeAddresses: [] }), []);
  assert.equal(planListeners({ service: svc({ type: 'ExternalName', externalName: 'x.example' }), servicePortIndex: idx, nodeAddresses: [] }), []);
});

test('portKey matches slice port name and protocol', () => {
  assert.is(portKey({}), '/TCP');
  assert.is(portKey({ name: 'dns', protocol: 'UDP' }), 'dns/UDP');
});

test('several instances: ClientIP affinity picks maglev unless an annotation says otherwise', () => {
  const d = { algorithm: 'round-robin', connectTimeoutMs: 1, idleTimeoutMs: 2, connectAttempts: 3, clientIpAlgorithm: 'maglev' };
  const algos = ['round-robin', 'random', 'maglev'];
  assert.is(servicePortOptions(svc({ sessionAffinity: 'ClientIP' }), d, algos).options.algorithm, 'maglev');
  assert.is(servicePortOptions(svc({}), d, algos).options.algorithm, 'round-robin');
  assert.is(servicePortOptions(svc({ sessionAffinity: 'ClientIP' }, { 'switchyard.io/lb-algorithm': 'random' }), d, algos).options.algorithm, 'random');
});

test('service port options: annotations, affinity, problems reported', () => {
  const d = { algorithm: 'round-robin', connectTimeoutMs: 1, idleTimeoutMs: 2, connectAttempts: 3 };
  const ok = servicePortOptions(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
    { 'switchyard.io/lb-algorithm': 'random', 'switchyard.io/proxy-protocol': 'v2', 'switchyard.io/max-connections': '10', 'switchyard.io/udp-idle-timeout': '1m30s' }),
    d, ['round-robin', 'random']);
  assert.equal(ok.options, {
    algorithm: 'random', affinitySeconds: 60, proxyProtocol: 2, maxConnections: 10, connectTimeoutMs: 1, idleTimeoutMs: 2, connectAttempts: 3, udpIdleTimeoutMs: 90_000,
  });
  assert.equal(ok.problems, []);
  const bad = servicePortOptions(svc({}, { 'switchyard.io/lb-algorithm': 'fastest', 'switchyard.io/proxy-protocol': 'v3', 'switchyard.io/udp-idle-timeout': '5 minutes' }), d, ['round-robin']);
  assert.is(bad.options.algorithm, 'round-robin');
  assert.is(bad.options.proxyProtocol, 0);
  assert.is(bad.options.udpIdleTimeoutMs, 30_000, 'the default UDP idle timeout');
  assert.is(bad.problems.length, 3);
  assert.match(bad.problems[2], /udp-idle-timeout: "5 minutes" is not a duration between 1ms and 24h/);
});

test('UDP idle timeout annotation: Go durations or bare seconds', () => {
  assert.equal(['30s', '500ms', '2m', '1h', '1.5s', '45', '0.25', '1m30s'].map(parseDurationMs), [30_000, 500, 120_000, 3_600_000, 1500, 45_000, 250, 90_000]);
  for (const bad of ['', 's', '5 s', '-1s', '1d', '1s2']) assert.ok(Number.isNaN(parseDurationMs(bad)), bad);
  const zero = servicePortOptions(svc({}, { 'switchyard.io/udp-idle-timeout': '0s' }), { algorithm: 'round-robin', connectTimeoutMs: 1, idleTimeoutMs: 2, connectAttempts: 3 }, ['round-robin']);
  assert.equal([zero.options.udpIdleTimeoutMs, zero.problems.length], [30_000, 1]);
});

test('weights: default 1, capped, garbage ignored', () => {
  assert.is(weightFromAnnotations(undefined), 1);
  assert.is(weightFromAnnotations({ 'switchyard.io/weight': '5' }), 5);
  assert.is(weightFromAnnotations({ 'switchyard.io/weight': '0' }), 0);
  assert.is(weightFromAnnotations({ 'switchyard.io/weight': '99999' }), 1000);
  assert.is(weightFromAnnotations({ 'switchyard.io/weight': 'x' }), 1);
});

test('lb pool: lowest free, preferred kept, released reused', () => {
  const pool = createLbAddressPool('127.112.0.0/30');
  assert.is(pool.acquire('a'), '127.112.0.1');
  assert.is(pool.acquire('a'), '127.112.0.1');
  assert.is(pool.acquire('b', '127.112.0.2'), '127.112.0.2');
  assert.is(pool.acquire('c'), undefined);
  pool.release('a');
  assert.is(pool.acquire('c'), '127.112.0.1');
  for (const bad of ['nonsense', '127.112.0.0/31', '10.0.0.0/7', 'fd00::/64', '127.112.0.0']) {
    try { createLbAddressPool(bad); assert.unreachable(bad); } catch (err) {
      assert.is((err as SyError).code, 'SY_LB_POOL', bad);
      assert.not.match((err as Error).message, /--/, 'the proxy layer names no CLI flag');
    }
  }
});

test.run();
