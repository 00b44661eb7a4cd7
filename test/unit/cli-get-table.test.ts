import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, EndpointSlice, Pod, Service } from '../../src/model/types.ts';
import { formatEndpoints, serviceExternalIP } from '../../src/api/table-columns.ts';
import { renderTable } from '../../src/cli/printers/get-table.ts';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function svc(name: string, spec: Service['spec'], extra: Partial<Service> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: ago(3 * DAY + HOUR) }, spec, ...extra };
}

test('services: the spec §7.1 example, byte for byte', () => {
  const k = svc('kubernetes', { type: 'ClusterIP', clusterIP: '2001:db8:1:2::1', clusterIPs: ['2001:db8:1:2::1'], ports: [{ port: 443, protocol: 'TCP' }] });
  assert.is(renderTable('Service', [k], { now: NOW }),
    'NAME         TYPE        CLUSTER-IP        EXTERNAL-IP   PORT(S)   AGE\n' +
    'kubernetes   ClusterIP   2001:db8:1:2::1   <none>        443/TCP   3d1h\n');
});

test('services: NodePort ports, headless None, wide SELECTOR and -A NAMESPACE', () => {
  const web = svc('web', { type: 'NodePort', clusterIPs: ['10.96.0.10'], selector: { tier: 'fe', app: 'web' },
    ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] });
  const headless = svc('db', { clusterIP: 'None', clusterIPs: ['None'], ports: [] });
  headless.metadata.namespace = 'data';
  assert.is(renderTable('Service', [headless, web], { now: NOW, wide: true, allNamespaces: true }),
    'NAMESPACE   NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)               AGE    SELECTOR\n' +
    'data        db     ClusterIP   None         <none>        <none>                3d1h   <none>\n' +
    'default     web    NodePort    10.96.0.10   <none>        80:30080/TCP,53/UDP   3d1h   app=web,tier=fe\n');
});

test('EXTERNAL-IP: externalIPs, <pending>, sorted de-duplicated ingress, 16-char truncation unless wide, ExternalName', () => {
  assert.is(serviceExternalIP(svc('a', { type: 'ClusterIP', externalIPs: ['1.1.1.1', '2.2.2.2'] }), false), '1.1.1.1,2.2.2.2');
  assert.is(serviceExternalIP(svc('a', { type: 'NodePort' }), false), '<none>');
  assert.is(serviceExternalIP(svc('a', { type: 'LoadBalancer' }), false), '<pending>');
  const lb = svc('a', { type: 'LoadBalancer' }, { status: { loadBalancer: { ingress: [{ ip: '127.0.0.20' }, { hostname: 'lb.example.com' }, { ip: '127.0.0.20' }] } } });
  assert.is(serviceExternalIP(lb, true), '127.0.0.20,lb.example.com');
  assert.is(serviceExternalIP(lb, false), '127.0.0.20,lb...');
  lb.spec.externalIPs = ['9.9.9.9'];
  assert.is(serviceExternalIP(lb, true), '127.0.0.20,lb.example.com,9.9.9.9');
  const short = svc('a', { type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }, { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
  assert.is(serviceExternalIP(short, false), '10.0.0.1,9.9.9.9');
  assert.is(serviceExternalIP(svc('a', { type: 'ExternalName', externalName: 'db.example.com' }), false), 'db.example.com');
});

function ep(subsets: Endpoints['subsets']): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(90_000) }, subsets };
}

test('endpoints: ready addresses as ip:port, three at most, then + N more...', () => {
  const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip }));
  const e = ep([{ addresses, notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }, { port: 443 }] }]);
  assert.is(formatEndpoints(e), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more...');
  assert.is(renderTable('Endpoints', [e, ep(undefined)], { now: NOW }),
    'NAME   ENDPOINTS                                         AGE\n' +
    'web    10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more...   90s\n' +
    'web    <none>                                            90s\n');
});

test('endpoints: bare IPs without ports, IPv6 bracketed with ports', () => {
  assert.is(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }])), '10.0.0.1,10.0.0.2');
  assert.is(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 8080 }] }])), '[fd00::1]:8080');
});

test('endpointslices: ADDRESSTYPE, PORTS (*, name, + N more...), all ENDPOINTS whatever their readiness, <unset>', () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'web-abc12', namespace: 'default', creationTimestamp: ago(5 * 60_000) },
    ports: [{ port: 80 }, { name: 'dns' }, {}, { port: 9090 }],
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false } }, { addresses: ['10.0.0.2'] }],
  };
  const empty: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'FQDN', metadata: { name: 'ext', creationTimestamp: ago(5 * 60_000) } };
  assert.is(renderTable('EndpointSlice', [slice, empty], { now: NOW }),
    'NAME        ADDRESSTYPE   PORTS                  ENDPOINTS           AGE\n' +
    'web-abc12   IPv4          80,dns,* + 1 more...   10.0.0.1,10.0.0.2   5m\n' +
    'ext         FQDN          <unset>                <unset>             5m\n');
});

test('pods: READY from the Ready condition; wide adds IP NODE NOMINATED NODE READINESS GATES', () => {
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx-1', namespace: 'default', creationTimestamp: ago(2 * HOUR + 30 * 60_000) },
    spec: { containers: [{ name: 'nginx' }, { name: 'sidecar' }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const notReady: Pod = { ...pod, metadata: { ...pod.metadata, name: 'nginx-2' }, status: { phase: 'Running', podIP: '127.0.0.2', conditions: [{ type: 'Ready', status: 'False' }] } };
  assert.is(renderTable('Pod', [pod, notReady], { now: NOW }),
    'NAME      READY   STATUS    RESTARTS   AGE\n' +
    'nginx-1   2/2     Running   0          150m\n' +
    'nginx-2   0/2     Running   0          150m\n');
  assert.is(renderTable('Pod', [pod], { now: NOW, wide: true }),
    'NAME      READY   STATUS    RESTARTS   AGE    IP          NODE     NOMINATED NODE   READINESS GATES\n' +
    'nginx-1   2/2     Running   0          150m   127.0.0.1   <none>   <none>           <none>\n');
});

test('a header alone when there are no rows; AGE <unknown> without a timestamp', () => {
  assert.is(renderTable('Endpoints', [], { now: NOW }), 'NAME   ENDPOINTS   AGE\n');
  const e = ep(undefined);
  delete e.metadata.creationTimestamp;
  assert.match(renderTable('Endpoints', [e], { now: NOW }), /<none>      <unknown>\n$/);
});

test.run();
