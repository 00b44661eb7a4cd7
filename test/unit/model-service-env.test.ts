import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serviceEnv } from '../../src/model/service-env.ts';
import type { Service, ServicePort } from '../../src/model/types.ts';

function svc(name: string, clusterIP: string, ports: ServicePort[], ns = 'default', extra: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP, ports, ...extra } };
}

// Golden cases from kubelet envvars_test.go (spec §4.2).
test('foo-bar: single unnamed TCP port', () => {
  assert.equal(serviceEnv([svc('foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }])], 'default'), {
    FOO_BAR_SERVICE_HOST: '1.2.3.4',
    FOO_BAR_SERVICE_PORT: '8080',
    FOO_BAR_PORT: 'tcp://1.2.3.4:8080',
    FOO_BAR_PORT_8080_TCP: 'tcp://1.2.3.4:8080',
    FOO_BAR_PORT_8080_TCP_PROTO: 'tcp',
    FOO_BAR_PORT_8080_TCP_PORT: '8080',
    FOO_BAR_PORT_8080_TCP_ADDR: '1.2.3.4',
  });
});

test('abc-123: named ports, UDP first, same number twice', () => {
  const env = serviceEnv([svc('abc-123', '5.6.7.8', [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }])], 'default');
  assert.equal(env, {
    ABC_123_SERVICE_HOST: '5.6.7.8',
    ABC_123_SERVICE_PORT: '8081',
    ABC_123_SERVICE_PORT_U_D_P: '8081',
    ABC_123_SERVICE_PORT_T_C_P: '8081',
    ABC_123_PORT: 'udp://5.6.7.8:8081',
    ABC_123_PORT_8081_UDP: 'udp://5.6.7.8:8081',
    ABC_123_PORT_8081_UDP_PROTO: 'udp',
    ABC_123_PORT_8081_UDP_PORT: '8081',
    ABC_123_PORT_8081_UDP_ADDR: '5.6.7.8',
    ABC_123_PORT_8081_TCP: 'tcp://5.6.7.8:8081',
    ABC_123_PORT_8081_TCP_PROTO: 'tcp',
    ABC_123_PORT_8081_TCP_PORT: '8081',
    ABC_123_PORT_8081_TCP_ADDR: '5.6.7.8',
  });
});

test('q-u-u-x: unnamed first port, port name starting with a digit', () => {
  const env = serviceEnv([svc('q-u-u-x', '9.8.7.6', [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }])], 'default');
  assert.is(env.Q_U_U_X_SERVICE_PORT, '8082');
  assert.is(env.Q_U_U_X_SERVICE_PORT_8083, '8083');
  assert.is(env.Q_U_U_X_PORT, 'tcp://9.8.7.6:8082');
  assert.is(env.Q_U_U_X_PORT_8083_TCP, 'tcp://9.8.7.6:8083');
  assert.is(Object.keys(env).length, 12);
});

test('super-ipv6: raw address in HOST and ADDR, bracketed in URLs', () => {
  const env = serviceEnv([svc('super-ipv6', '2001:DB8::', [{ name: 'u-d-p', port: 8084, protocol: 'UDP' }])], 'default');
  assert.is(env.SUPER_IPV6_SERVICE_HOST, '2001:DB8::');
  assert.is(env.SUPER_IPV6_SERVICE_PORT, '8084');
  assert.is(env.SUPER_IPV6_SERVICE_PORT_U_D_P, '8084');
  assert.is(env.SUPER_IPV6_PORT, 'udp://[2001:DB8::]:8084');
  assert.is(env.SUPER_IPV6_PORT_8084_UDP, 'udp://[2001:DB8::]:8084');
  assert.is(env.SUPER_IPV6_PORT_8084_UDP_ADDR, '2001:DB8::');
});

test('sctp-1 and a missing protocol (TCP)', () => {
  const env = serviceEnv([svc('sctp-1', '1.2.3.4', [{ port: 777, protocol: 'SCTP' }]), svc('plain', '1.2.3.5', [{ port: 80 }])], 'default');
  assert.is(env.SCTP_1_PORT, 'sctp://1.2.3.4:777');
  assert.is(env.SCTP_1_PORT_777_SCTP_PROTO, 'sctp');
  assert.is(env.PLAIN_PORT_80_TCP, 'tcp://1.2.3.5:80');
});

test('doc example: redis-primary', () => {
  const env = serviceEnv([svc('redis-primary', '10.0.0.11', [{ port: 6379, protocol: 'TCP' }])], 'default');
  assert.is(env.REDIS_PRIMARY_SERVICE_HOST, '10.0.0.11');
  assert.is(env.REDIS_PRIMARY_PORT, 'tcp://10.0.0.11:6379');
  assert.is(env.REDIS_PRIMARY_PORT_6379_TCP_ADDR, '10.0.0.11');
});

test('headless, ExternalName and other-namespace services are excluded', () => {
  const env = serviceEnv([
    svc('headless', 'None', [{ port: 80 }]),
    svc('empty', '', [{ port: 80 }]),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'a.example' } },
    svc('other', '10.0.0.3', [{ port: 80 }], 'prod'),
  ], 'default');
  assert.equal(env, {});
});

test('kubernetes from default is always present; links off hides the rest; same-namespace one overrides', () => {
  const k8s = svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);
  const mine = svc('web', '10.96.0.5', [{ port: 80 }], 'team');
  const shadow = svc('kubernetes', '10.96.0.9', [{ name: 'https', port: 443, protocol: 'TCP' }], 'team');
  const on = serviceEnv([k8s, mine], 'team');
  assert.is(on.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.is(on.WEB_SERVICE_HOST, '10.96.0.5');
  const off = serviceEnv([k8s, mine, shadow], 'team', false);
  assert.is(off.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.is(off.WEB_SERVICE_HOST, undefined);
  assert.is(serviceEnv([k8s, shadow], 'team').KUBERNETES_SERVICE_HOST, '10.96.0.9');
  assert.is(serviceEnv([shadow, k8s], 'team').KUBERNETES_SERVICE_HOST, '10.96.0.9');
  // A namespace-less object is in `default`.
  assert.is(serviceEnv([{ ...k8s, metadata: { name: 'kubernetes' } }], 'x', false).KUBERNETES_SERVICE_PORT, '443');
});

test.run();
