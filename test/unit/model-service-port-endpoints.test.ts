import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import type { ResolvedEndpoint } from '../../src/model/service-port-endpoints.ts';
import { portKey, servicePortEndpoints } from '../../src/model/service-port-endpoints.ts';
import type { EndpointSlice, SliceEndpoint, SlicePort } from '../../src/model/types.ts';
import { pod, service } from './model-fixtures.ts';

function slice(name: string, ports: SlicePort[], endpoints: SliceEndpoint[], o: { svc?: string; ns?: string; type?: EndpointSlice['addressType'] } = {}): EndpointSlice {
  const labels: Record<string, string> = {};
  if (o.svc !== '') labels['kubernetes.io/service-name'] = o.svc ?? 'web';
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: o.ns ?? 'default', labels },
    addressType: o.type ?? 'IPv4', ports, endpoints,
  };
}

const hostPorts = (eps: ResolvedEndpoint[] | undefined) => (eps ?? []).map((e) => `${e.ip}:${e.port}`);

test('portKey is name/protocol with defaults', () => {
  assert.is(portKey({ port: 80 } as SlicePort), '/TCP');
  assert.is(portKey({ name: 'dns', protocol: 'UDP' }), 'dns/UDP');
});

test('slices link by label and namespace; ports match by name and protocol', () => {
  const svc = service('web', {
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
  });
  const slices = [
    slice('a', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'] }]),
    slice('b', [{ name: 'http', port: 8080, protocol: 'UDP' }], [{ addresses: ['10.0.0.9'] }]),
    slice('c', [{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.3'] }], { ns: 'prod' }),
    slice('d', [{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.4'] }], { svc: '' }),
    slice('e', [{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.5'] }], { svc: 'api' }),
    slice('f', [{ name: 'http', port: 8080 }], [{ addresses: ['nginx'] }], { type: 'FQDN' }),
    slice('g', [{ name: 'http' }, { name: 'http', port: 0 }], [{ addresses: ['10.0.0.6'] }]),
  ];
  const m = servicePortEndpoints(svc, slices);
  assert.equal([...m.keys()], ['http/TCP', 'dns/UDP', 'dns-tcp/TCP']);
  assert.equal(hostPorts(m.get('http/TCP')), ['10.0.0.1:8080', '10.0.0.2:8080']);
  assert.equal(hostPorts(m.get('dns/UDP')), ['10.0.0.1:5353', '10.0.0.2:5353']);
  assert.equal(m.get('dns-tcp/TCP'), []);
});

test('an unnamed service port matches slice port name ""; nil conditions mean ready and serving', () => {
  const svc = service('web', { ports: [{ port: 80, protocol: 'TCP' }] });
  const m = servicePortEndpoints(svc, [slice('a', [{ name: '', port: 8080, protocol: 'TCP' }], [{ addresses: ['10.0.0.1', '10.0.0.99'], nodeName: 'n1', zone: 'z', hostname: 'h' }, { addresses: [] }])]);
  assert.equal(m.get('/TCP'), [{ ip: '10.0.0.1', port: 8080, ready: true, serving: true, terminating: false, hostname: 'h', nodeName: 'n1', zone: 'z' }]);
});

test('duplicates across slices: the non-terminating entry wins; order is by ip:port text', () => {
  const svc = service('web', { ports: [{ port: 80, protocol: 'TCP' }] });
  const ports = [{ name: '', port: 8080, protocol: 'TCP' as const }];
  const m = servicePortEndpoints(svc, [
    slice('a', ports, [{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.0.0.10'] }]),
    slice('b', ports, [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'] }]),
    slice('c', ports, [{ addresses: ['10.0.0.2'], conditions: { ready: false, terminating: true } }]),
    slice('d', ports, [{ addresses: ['2001:db8::1'] }], { type: 'IPv6' }),
  ]);
  const eps = m.get('/TCP')!;
  // kube-proxy sorts by the `ip:port` text, so 10.0.0.10 precedes 10.0.0.1.
  assert.equal(hostPorts(eps), ['10.0.0.10:8080', '10.0.0.1:8080', '10.0.0.2:8080', '2001:db8::1:8080']);
  assert.equal(eps.map((e) => e.terminating), [false, false, false, false]);
});

test('works end to end with computed slices, including headless services', () => {
  const svc = service('web', { clusterIP: 'None', ipFamilies: ['IPv4'] });
  const slices = computeEndpointSlices(svc, [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', ready: false })], podConditionReady);
  const eps = servicePortEndpoints(svc, slices).get('/TCP')!;
  assert.equal(eps.map((e) => [e.ip, e.port, e.ready, e.targetRef?.name]), [['10.0.0.1', 8080, true, 'a'], ['10.0.0.2', 8080, false, 'b']]);
});

test.run();
