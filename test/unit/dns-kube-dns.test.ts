// The built-in kube-dns around the responder: where --dns puts it, the Service it is, the address
// automatic allocation leaves to it, no proxy listener for it, the resolv.conf a Pod gets; and
// FQDN slices expanded into the IP slices their names resolve to.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultKubeDnsIP, kubeDnsPlan } from '../../src/dns/kube-dns-plan.ts';
import { reverseName, reverseNameToIP } from '../../src/dns/service-records.ts';
import { isKubeDnsService, kubeDnsService } from '../../src/model/kube-dns-service.ts';
import { createClusterIpAllocator } from '../../src/control/cluster-ip-allocator.ts';
import { isProxied } from '../../src/proxy/plan-listeners.ts';
import { resolvConf } from '../../src/cli/resolv-conf.ts';
import { resolveFqdnSlice } from '../../src/model/resolve-fqdn-slice.ts';
import { validateEndpoints } from '../../src/config/validate-endpoints.ts';
import type { EndpointSlice } from '../../src/model/types.ts';

const plan = (flag?: string, cidr = '127.96.0.0/12') => {
  try { return kubeDnsPlan(cidr, flag); } catch (err) { return (err as { code: string }).code; }
};

test('--dns: default .10 of the CIDR on 53; inside the CIDR moves the ClusterIP; outside adds an external IP', () => {
  assert.equal(plan(), { clusterIP: '127.96.0.10', externalIPs: [], port: 53 });
  assert.equal(plan(undefined, '10.0.0.0/24'), { clusterIP: '10.0.0.10', externalIPs: [], port: 53 });
  assert.equal(plan(undefined, 'fd00::/108'), { clusterIP: 'fd00::a', externalIPs: [], port: 53 });
  assert.is(plan('off'), undefined);
  assert.equal(plan('127.96.0.53'), { clusterIP: '127.96.0.53', externalIPs: [], port: 53 });
  assert.equal(plan('127.0.0.53:5353'), { clusterIP: '127.96.0.10', externalIPs: ['127.0.0.53'], port: 5353 });
  assert.equal(plan(':5300'), { clusterIP: '127.96.0.10', externalIPs: [], port: 5300 });
  assert.equal(plan('[::1]:53'), { clusterIP: '127.96.0.10', externalIPs: ['::1'], port: 53 });
  for (const bad of ['nope', '1.2.3.4:0', '1.2.3.4:70000', '[::1']) assert.is(plan(bad), 'SY_DNS_ADDRESS', bad);
  assert.is(plan(undefined, '10.0.0.0/29'), 'SY_DNS_ADDRESS');
  assert.is(defaultKubeDnsIP('10.0.0.0/29'), undefined);
  assert.is(defaultKubeDnsIP('10.0.0.0/28'), '10.0.0.10');
});

test('the kube-dns Service: 53/UDP dns and 53/TCP dns-tcp, recognised by name and annotation, never proxied', () => {
  const svc = kubeDnsService({ clusterIP: '127.96.0.10', externalIPs: [], port: 53, zone: 'cluster.local' });
  assert.equal(svc.spec.ports, [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
  ]);
  assert.ok(isKubeDnsService(svc));
  assert.not.ok(isProxied(svc));
  // A user's own kube-dns (say, with --dns off, fronting a real CoreDNS) is proxied like any Service.
  const own = structuredClone(svc);
  delete own.metadata.annotations;
  assert.not.ok(isKubeDnsService(own));
  assert.ok(isProxied(own));
});

test('automatic allocation skips the reserved kube-dns address; asking for it by name gets it', () => {
  const a = createClusterIpAllocator('10.0.0.0/28', ['10.0.0.10']);
  const got = Array.from({ length: 13 }, () => a.allocateNext());
  assert.not.ok(got.includes('10.0.0.10'));
  assert.is(got.at(-1), '10.0.0.14');
  assert.is(a.free(), 0n);
  assert.throws(() => a.allocateNext(), /range is full/);
  assert.is(a.allocate('10.0.0.10'), undefined);
  assert.is(a.free(), 0n);
});

test('resolv-conf: nameserver, the namespace search path, ndots:5; a port other than 53 is pointed out', () => {
  const svc = kubeDnsService({ clusterIP: '127.96.0.10', externalIPs: [], port: 53, zone: 'corp.example' });
  assert.is(resolvConf(svc, 'shop'), 'nameserver 127.96.0.10\nsearch shop.svc.corp.example svc.corp.example corp.example\noptions ndots:5\n');
  const moved = kubeDnsService({ clusterIP: '127.96.0.10', externalIPs: [], port: 5353, zone: 'cluster.local' });
  assert.match(resolvConf(moved, 'default'), /^# the responder answers on port 5353/);
});

test('reverse names both ways', () => {
  for (const ip of ['10.3.0.1', '2001:db8::1', '::1']) assert.is(reverseNameToIP(reverseName(ip)!), ip);
  assert.is(reverseNameToIP('3.0.10.in-addr.arpa'), undefined);
  assert.is(reverseNameToIP('300.0.3.10.in-addr.arpa'), undefined);
});

test('an FQDN slice becomes one IP slice per family, one endpoint per resolved address, conditions kept', () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'FQDN',
    metadata: { name: 'web-names', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [{ addresses: ['Web.'], conditions: { ready: true } }, { addresses: ['db'], conditions: { ready: false } }, { addresses: ['gone'] }],
  };
  const names: Record<string, string[]> = { web: ['10.0.0.2', '10.0.0.1', '2001:db8::5'], db: ['10.0.0.9', '10.0.0.1'] };
  const out = resolveFqdnSlice(slice, (n) => names[n]);
  assert.equal(out.map((s) => [s.metadata.name, s.addressType, s.endpoints!.map((e) => `${e.addresses[0]}:${e.conditions?.ready}`)]), [
    ['web-names-ipv4', 'IPv4', ['10.0.0.1:true', '10.0.0.2:true', '10.0.0.9:false']],
    ['web-names-ipv6', 'IPv6', ['2001:db8::5:true']],
  ]);
  assert.is(out[0].metadata.labels!['kubernetes.io/service-name'], 'web');
  assert.equal(out[0].ports, slice.ports);
});

test('a hand-written Endpoints may name a host where the IP goes; garbage is still refused', () => {
  const ep = (ip: string) => validateEndpoints({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x', namespace: 'default' }, subsets: [{ addresses: [{ ip }] }] });
  assert.equal(ep('web'), []);
  assert.equal(ep('project_web_1'.replace(/_/g, '-')), []);
  assert.equal(ep('web.example.com.'), []);
  assert.is(ep('10.0.0.999').length, 1);
  assert.is(ep('not a name').length, 1);
});

test.run();
