import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSlice, Endpoints, KubeEvent, Pod, Service } from '../../src/model/types.ts';
import { describeService, formatEndpointSlices } from '../../src/cli/printers/describe-service.ts';
import { describeEndpoints } from '../../src/cli/printers/describe-endpoints.ts';
import { describePod, describeProbe } from '../../src/cli/printers/describe-pod.ts';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

const web: Service = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    type: 'NodePort', selector: { app: 'web' }, ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
    clusterIP: '10.96.12.7', clusterIPs: ['10.96.12.7'], sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster',
    ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
  },
};

function slice(name: string, ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints']): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { name, labels: { 'kubernetes.io/service-name': 'web' } }, ports, endpoints };
}

test('describe service: the spec §7.2 example, byte for byte', () => {
  const slices = [slice('web-x', [{ name: 'http', port: 8080, protocol: 'TCP' }],
    [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.2.7'], conditions: { ready: true } }])];
  assert.is(describeService(web, slices, [], NOW), [
    'Name:                     web',
    'Namespace:                default',
    'Labels:                   app=web',
    'Annotations:              <none>',
    'Selector:                 app=web',
    'Type:                     NodePort',
    'IP Family Policy:         SingleStack',
    'IP Families:              IPv4',
    'IP:                       10.96.12.7',
    'IPs:                      10.96.12.7',
    'Port:                     http  80/TCP',
    'TargetPort:               8080/TCP',
    'NodePort:                 http  30080/TCP',
    'Endpoints:                10.244.1.5:8080,10.244.2.7:8080',
    'Session Affinity:         None',
    'External Traffic Policy:  Cluster',
    'Internal Traffic Policy:  Cluster',
    'Events:                   <none>',
    '',
  ].join('\n'));
});

test('describe service endpoints: only ready ones, matching port name, + N more..., <none> without slices', () => {
  const eps = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip, i) => ({ addresses: [ip], conditions: { ready: i !== 1 } }));
  const s = slice('web-x', [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }], eps);
  assert.is(formatEndpointSlices([s], 'http'), '10.0.0.1:80,10.0.0.3:80,10.0.0.4:80 + 2 more...');
  assert.is(formatEndpointSlices([s], 'other'), '');
  assert.is(formatEndpointSlices([], 'http'), '<none>');
  assert.is(formatEndpointSlices([slice('h', [], [{ addresses: ['10.0.0.1'] }])], ''), '10.0.0.1');
});

test('describe service: multi-line labels, annotations (last-applied skipped), LB lines and an events table', () => {
  const svc: Service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'lb', namespace: 'prod', labels: { b: '2', a: '1' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'hello' } },
    spec: { type: 'LoadBalancer', clusterIP: '127.96.0.5', clusterIPs: ['127.96.0.5'], ports: [{ port: 53, protocol: 'UDP', targetPort: 'dns' }],
      sessionAffinity: 'ClientIP', loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.0.0/16'] },
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.40', ipMode: 'VIP' }] } },
  };
  const events: KubeEvent[] = [
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e2' }, involvedObject: { kind: 'Service', name: 'lb' }, type: 'Warning', reason: 'NoEndpoints',
      message: 'no ready endpoints  ', source: { component: 'switchyard' }, count: 3, firstTimestamp: ago(600_000), lastTimestamp: ago(30_000) },
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' }, involvedObject: { kind: 'Service', name: 'lb' }, type: 'Normal', reason: 'IPAllocated',
      message: 'Assigned IP 127.0.0.40', source: { component: 'switchyard' }, count: 1, firstTimestamp: ago(700_000), lastTimestamp: ago(700_000) },
  ];
  assert.is(describeService(svc, [], events, NOW), [
    'Name:                        lb',
    'Namespace:                   prod',
    'Labels:                      a=1',
    '                             b=2',
    'Annotations:                 note: hello',
    'Selector:                    <none>',
    'Type:                        LoadBalancer',
    'IP Families:                 <none>',
    'IP:                          127.96.0.5',
    'IPs:                         127.96.0.5',
    'LoadBalancer Ingress:        127.0.0.40 (VIP)',
    'Port:                        <unset>  53/UDP',
    'TargetPort:                  dns/UDP',
    'Endpoints:                   <none>',
    'Session Affinity:            ClientIP',
    'LoadBalancer Source Ranges:  10.0.0.0/8,192.168.0.0/16',
    'Events:',
    '  Type     Reason       Age                From        Message',
    '  ----     ------       ----               ----        -------',
    '  Normal   IPAllocated  11m                switchyard  Assigned IP 127.0.0.40',
    '  Warning  NoEndpoints  30s (x3 over 10m)  switchyard  no ready endpoints',
    '',
  ].join('\n'));
});

test('describe endpoints: the spec §7.3 layout', () => {
  const ep: Endpoints = {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
    subsets: [
      { addresses: [{ ip: '10.10.1.1' }, { ip: '10.10.2.2' }], ports: [{ name: 'a', port: 8675, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] },
      { notReadyAddresses: [{ ip: '10.10.3.3' }] },
    ],
  };
  assert.is(describeEndpoints(ep, [], NOW), [
    'Name:         web',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Subsets:',
    '  Addresses:          10.10.1.1,10.10.2.2',
    '  NotReadyAddresses:  <none>',
    '  Ports:',
    '    Name     Port  Protocol',
    '    ----     ----  --------',
    '    a        8675  TCP',
    '    <unset>  53    UDP',
    '',
    '  Addresses:          <none>',
    '  NotReadyAddresses:  10.10.3.3',
    '',
    'Events:  <none>',
    '',
  ].join('\n'));
});

test('describe pod: containers, readiness probe, conditions', () => {
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx-1', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 80 }],
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 } }] },
    status: { phase: 'Running', podIP: '127.0.0.11', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  assert.is(describePod(pod, [], NOW), [
    'Name:         nginx-1',
    'Namespace:    default',
    'Node:         <none>',
    'Labels:       app=nginx',
    'Annotations:  <none>',
    'Status:       Running',
    'IP:           127.0.0.11',
    'IPs:',
    '  IP:  127.0.0.11',
    'Containers:',
    '  nginx:',
    '    Image:      nginx:1.27',
    '    Port:       80/TCP',
    '    Readiness:  http-get http://:http/healthz delay=0s timeout=1s period=5s #success=1 #failure=3',
    'Conditions:',
    '  Type    Status',
    '  Ready   True ',
    // Events:\t<none> continues the conditions' column block, as in kubectl.
    'Events:   <none>',
    '',
  ].join('\n'));
  assert.is(describeProbe({ tcpSocket: { port: 8080 } }), 'tcp-socket :8080 delay=0s timeout=1s period=10s #success=1 #failure=3');
  assert.is(describeProbe({ exec: { command: ['cat', '/ready'] }, failureThreshold: 1 }), 'exec [cat /ready] delay=0s timeout=1s period=10s #success=1 #failure=1');
});

test.run();
