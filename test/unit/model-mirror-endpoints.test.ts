import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mirrorEndpoints, mirrorEndpointsDetailed } from '../../src/model/mirror-endpoints.ts';
import type { EndpointAddress, Endpoints } from '../../src/model/types.ts';

function endpoints(subsets: Endpoints['subsets'], meta: Partial<Endpoints['metadata']> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'prod', ...meta }, subsets };
}

test('a manual Endpoints object becomes one slice per family and port set', () => {
  const ep = endpoints([{
    addresses: [{ ip: '192.168.1.10', hostname: 'db-0', nodeName: 'n1' }, { ip: '2001:DB8::1' }],
    notReadyAddresses: [{ ip: '192.168.1.11', targetRef: { kind: 'Pod', name: 'x' } }],
    ports: [{ port: 5432 }],
  }], {
    labels: { team: 'data', 'endpointslice.kubernetes.io/managed-by': 'me' },
    annotations: { note: 'hi', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  });
  const slices = mirrorEndpoints(ep);
  assert.equal(slices.map((s) => s.addressType), ['IPv4', 'IPv6']);
  const [v4, v6] = slices;
  assert.match(v4.metadata.name!, /^db-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.is(v4.metadata.namespace, 'prod');
  assert.equal(v4.metadata.labels, {
    team: 'data', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
  });
  assert.equal(v4.metadata.annotations, { note: 'hi' });
  assert.equal(v4.ports, [{ name: '', port: 5432, protocol: 'TCP' }]);
  assert.equal(v4.endpoints, [
    { addresses: ['192.168.1.10'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'n1' },
    { addresses: ['192.168.1.11'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'x' } },
  ]);
  // The IP is re-printed in canonical form.
  assert.equal(v6.endpoints, [{ addresses: ['2001:db8::1'], conditions: { ready: true } }]);
  assert.equal(mirrorEndpoints(ep), slices);
});

test('subsets with the same ports share a slice; different ports get their own', () => {
  const slices = mirrorEndpoints(endpoints([
    { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'UDP' }] },
    { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'b', port: 2, protocol: 'UDP' }, { name: 'a', port: 1, protocol: 'TCP' }] },
    { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'a', port: 9, protocol: 'TCP' }] },
    { addresses: [{ ip: '10.0.0.4' }] },
  ]));
  const summary = slices.map((s) => [s.ports!.map((p) => `${p.name}:${p.port}`).join(','), s.endpoints!.map((e) => e.addresses[0]).join(',')]).sort();
  assert.equal(summary, [['', '10.0.0.4'], ['a:1,b:2', '10.0.0.1,10.0.0.2'], ['a:9', '10.0.0.3']]);
  assert.is(new Set(slices.map((s) => s.metadata.name)).size, 3);
});

test('a DNS name where the IP goes becomes an FQDN slice (switchyard resolves it)', () => {
  const r = mirrorEndpointsDetailed(endpoints([{ addresses: [{ ip: 'Web.' }, { ip: '10.0.0.1' }], ports: [{ port: 80 }] }]));
  assert.is(r.invalidAddresses, 0);
  assert.equal(r.slices.map((s) => [s.addressType, s.endpoints!.map((e) => e.addresses[0])]).sort(), [['FQDN', ['web']], ['IPv4', ['10.0.0.1']]]);
});

test('invalid IPs, skip-mirror and leader-election objects', () => {
  const r = mirrorEndpointsDetailed(endpoints([{ addresses: [{ ip: '10.0.0.999' }, { ip: '10.0.0.1' }], ports: [{ port: 80 }] }]));
  assert.is(r.invalidAddresses, 1);
  assert.is(r.skippedAddresses, 1);
  assert.equal(r.slices.map((s) => s.endpoints!.length), [1]);
  const sub = [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }];
  assert.equal(mirrorEndpoints(endpoints(sub, { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })), []);
  assert.equal(mirrorEndpoints(endpoints(sub, { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })), []);
  assert.equal(mirrorEndpoints(endpoints(undefined)), []);
  assert.equal(mirrorEndpoints(endpoints([{ ports: [{ port: 80 }] }])), []);
});

test('at most 1000 addresses are mirrored per subset', () => {
  const addresses: EndpointAddress[] = [];
  for (let i = 0; i < 1100; i++) addresses.push({ ip: `10.5.${i >> 8}.${i & 255}` });
  const r = mirrorEndpointsDetailed(endpoints([{ addresses, ports: [{ port: 80 }] }]));
  assert.is(r.slices[0].endpoints!.length, 1000);
  assert.is(r.skippedAddresses, 100);
  assert.is(r.invalidAddresses, 0);
});

test('duplicate addresses collapse into one endpoint, the later one winning', () => {
  const s = mirrorEndpoints(endpoints([{ addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]));
  assert.equal(s[0].endpoints, [{ addresses: ['10.0.0.1'], conditions: { ready: false } }]);
});

test.run();
