import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANNOTATION_HOST_PORTS, findPort } from '../../src/model/find-port.ts';
import { podConditionReady, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../../src/model/pod-ready.ts';
import { pod, service } from './model-fixtures.ts';

test('Ready condition: absent means ready, otherwise its status', () => {
  assert.ok(podConditionReady(pod('a', { ip: '10.0.0.1' })));
  assert.ok(podConditionReady(pod('a', { ip: '10.0.0.1', ready: true })));
  assert.not.ok(podConditionReady(pod('a', { ip: '10.0.0.1', ready: false })));
  const p = pod('a', { ip: '10.0.0.1' });
  p.status!.conditions = [{ type: 'PodScheduled', status: 'False' }, { type: 'Ready', status: 'Unknown' }];
  assert.not.ok(podConditionReady(p));
});

test('shouldPodBeInEndpoints: terminal, IP-less and terminating pods', () => {
  assert.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1' }), false));
  assert.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1', phase: 'Pending' }), false));
  assert.not.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1', phase: 'Failed' }), true));
  assert.not.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1', phase: 'Succeeded' }), true));
  assert.not.ok(shouldPodBeInEndpoints(pod('a'), true));
  assert.ok(shouldPodBeInEndpoints(pod('a', { ips: ['10.0.0.1'] }), true));
  assert.not.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1', deleting: true }), false));
  assert.ok(shouldPodBeInEndpoints(pod('a', { ip: '10.0.0.1', deleting: true }), true));
});

test('podIPs prefers status.podIPs', () => {
  assert.equal(podIPs(pod('a', { ip: '10.0.0.1', ips: ['10.0.0.1', 'fd00::1'] })), ['10.0.0.1', 'fd00::1']);
  assert.equal(podIPs(pod('a', { ip: '10.0.0.1' })), ['10.0.0.1']);
  assert.equal(podIPs(pod('a')), []);
});

test('hostname only when subdomain names the service in the same namespace', () => {
  const svc = service('web');
  assert.ok(shouldSetHostname(pod('a', { hostname: 'web-0', subdomain: 'web' }), svc));
  assert.not.ok(shouldSetHostname(pod('a', { hostname: 'web-0', subdomain: 'other' }), svc));
  assert.not.ok(shouldSetHostname(pod('a', { subdomain: 'web' }), svc));
  assert.not.ok(shouldSetHostname(pod('a', { ns: 'x', hostname: 'web-0', subdomain: 'web' }), svc));
});

test('findPort: numeric target is used as is; missing target is the service port', () => {
  const p = pod('a', { ip: '10.0.0.1', containers: [{ name: 'c' }] });
  assert.is(findPort(p, { port: 80, targetPort: 9090 }), 9090);
  assert.is(findPort(p, { port: 80 }), 80);
  assert.is(findPort(p, { port: 80, targetPort: '' }), 80);
});

test('findPort: named target matches name and protocol, first container first', () => {
  const p = pod('a', {
    ip: '10.0.0.1',
    containers: [
      { name: 'a', ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }, { name: 'http', containerPort: 8080 }] },
      { name: 'b', ports: [{ name: 'http', containerPort: 9090 }, { name: 'dns', containerPort: 5354, protocol: 'TCP' }] },
    ],
  });
  assert.is(findPort(p, { port: 80, targetPort: 'http' }), 8080);
  assert.is(findPort(p, { port: 53, protocol: 'UDP', targetPort: 'dns' }), 5353);
  assert.is(findPort(p, { port: 53, protocol: 'TCP', targetPort: 'dns' }), 5354);
  assert.is(findPort(p, { port: 53, protocol: 'SCTP', targetPort: 'dns' }), undefined);
  assert.is(findPort(p, { port: 80, targetPort: 'nope' }), undefined);
});

test('findPort on a host-ports Pod: the resolved container port\'s hostPort, none when unpublished', () => {
  const p = pod('a', {
    ip: '127.0.0.1',
    containers: [{ name: 'a', ports: [
      { name: 'http', containerPort: 80, hostPort: 32768 }, { containerPort: 53, protocol: 'UDP', hostPort: 32769 }, { containerPort: 443 },
    ] }],
  });
  p.metadata.annotations = { [ANNOTATION_HOST_PORTS]: 'true' };
  assert.is(findPort(p, { port: 80, targetPort: 80 }), 32768);
  assert.is(findPort(p, { port: 80 }), 32768, 'no targetPort: the Service port, as a container port');
  assert.is(findPort(p, { port: 8080, targetPort: 'http' }), 32768);
  assert.is(findPort(p, { port: 53, protocol: 'UDP', targetPort: 53 }), 32769);
  assert.is(findPort(p, { port: 53, protocol: 'TCP', targetPort: 53 }), undefined, 'the protocol must match');
  assert.is(findPort(p, { port: 443, targetPort: 443 }), undefined, 'declared but not published');
  assert.is(findPort(p, { port: 9000, targetPort: 9000 }), undefined, 'not declared at all');
});

test('findPort: sidecar init containers count, plain init containers do not', () => {
  const p = pod('a', { ip: '10.0.0.1', containers: [{ name: 'app' }] });
  p.spec.initContainers = [
    { name: 'setup', ports: [{ name: 'metrics', containerPort: 1111 }] },
    { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 2222 }] },
  ];
  assert.is(findPort(p, { port: 9000, targetPort: 'metrics' }), 2222);
});

test.run();
