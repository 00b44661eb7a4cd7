// The responder's answers against the examples of the Kubernetes DNS-Based Service Discovery
// specification (schema 1.1.0, spec §5): every record type, NXDOMAIN vs NODATA, AA, EDNS0, TC,
// letter case. Queries are encoded and responses decoded with dns-packet, independently of the
// responder's own template code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import { createDnsAnswerer, FORWARD, RCODE_BADVERS } from '../../src/dns/dns-answerer.ts';
import { createDnsZone, wireKey } from '../../src/dns/dns-zone.ts';
import { serviceRecords, zoneRecords } from '../../src/dns/service-records.ts';
import type { EndpointSlice, SliceEndpoint } from '../../src/model/types.ts';
import { service } from './model-fixtures.ts';

const ZONE = 'cluster.local';

function slice(svc: string, endpoints: SliceEndpoint[], ports = [{ name: 'https', port: 443, protocol: 'TCP' as const }], type: 'IPv4' | 'IPv6' = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: type, ports, endpoints,
  };
}

function schemaZone(o: { forwarding?: boolean } = {}) {
  const zone = createDnsZone(ZONE, (name) => name.endsWith('.3.10.in-addr.arpa'));
  zone.set('#zone', zoneRecords(ZONE, ['10.3.0.10'], 5, 1));
  const kubernetes = service('kubernetes', { clusterIP: '10.3.0.1', clusterIPs: ['10.3.0.1'], selector: undefined, ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
  zone.set('default/kubernetes', serviceRecords(kubernetes, [], ZONE));
  const headless = service('headless', { clusterIP: 'None', clusterIPs: ['None'], selector: undefined, ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
  zone.set('default/headless', serviceRecords(headless, [slice('headless', [
    { addresses: ['10.3.0.100'], hostname: 'my-pet' },
    { addresses: ['10.3.0.101'], hostname: 'my-pet-2', conditions: { ready: true } },
    { addresses: ['10.3.0.102'] },
    { addresses: ['10.3.0.103'], hostname: 'sick', conditions: { ready: false } },
  ])], ZONE));
  const empty = service('empty', { clusterIP: 'None', clusterIPs: ['None'], selector: undefined });
  zone.set('default/empty', serviceRecords(empty, [slice('empty', [{ addresses: ['10.3.0.104'], conditions: { ready: false } }])], ZONE));
  const foo = service('foo', { type: 'ExternalName', externalName: 'www.example.com', clusterIP: undefined, selector: undefined, ports: [] });
  zone.set('default/foo', serviceRecords(foo, [], ZONE));
  const alias = service('alias', { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local.', clusterIP: undefined, selector: undefined, ports: [] });
  zone.set('default/alias', serviceRecords(alias, [], ZONE));
  const v6 = service('kubernetes', { clusterIP: '2001:db8::1', clusterIPs: ['2001:db8::1'], selector: undefined, ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }, { namespace: 'v6' });
  zone.set('v6/kubernetes', serviceRecords(v6, [], ZONE));
  return createDnsAnswerer({ zone, ttl: 5, forwarding: !!o.forwarding });
}

interface Reply {
  id: number; rcode: string; flag_aa: boolean; flag_rd: boolean; flag_ra: boolean; flag_tc: boolean;
  questions: dnsPacket.Question[]; answers: dnsPacket.Answer[]; authorities: dnsPacket.Answer[]; additionals: dnsPacket.Answer[];
}

function ask(a: ReturnType<typeof schemaZone>, name: string, type: dnsPacket.RecordType, o: { edns?: number; version?: number; tcp?: boolean; id?: number } = {}) {
  const query = dnsPacket.encode({
    type: 'query', id: o.id ?? 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, ednsVersion: o.version ?? 0 } as unknown as dnsPacket.Answer] : [],
  });
  const out = a.answer(query, query.length, !!o.tcp, 0);
  if (out === undefined || out === FORWARD) return out;
  return dnsPacket.decode(out) as unknown as Reply;
}

const data = (r: ReturnType<typeof ask>) => {
  if (r === undefined || r === FORWARD) throw new Error('no response');
  return (r.answers ?? []).map((x) => `${x.name} ${(x as { ttl?: number }).ttl} ${x.type} ${typeof (x as { data?: unknown }).data === 'object' ? JSON.stringify((x as { data: unknown }).data) : (x as { data?: unknown }).data}`);
};
const rcode = (r: ReturnType<typeof ask>) => (r === undefined || r === FORWARD ? String(r) : r.rcode);

test('§2.2 dns-version TXT', () => {
  const r = ask(schemaZone(), 'dns-version.cluster.local', 'TXT');
  assert.equal(data(r), ['dns-version.cluster.local 5 TXT ["1.1.0"]'.replace('["1.1.0"]', JSON.stringify([Buffer.from('1.1.0')]))]);
});

test('§2.3.1 A record of a ClusterIP Service, authoritative, ID and RD echoed', () => {
  const r = ask(schemaZone(), 'kubernetes.default.svc.cluster.local', 'A', { id: 777 });
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.is(r.id, 777);
  assert.is(r.rcode, 'NOERROR');
  assert.ok(r.flag_aa);
  assert.ok(r.flag_rd);
  assert.not.ok(r.flag_tc);
  assert.equal(data(r), ['kubernetes.default.svc.cluster.local 5 A 10.3.0.1']);
});

test('§2.3.1 AAAA of an IPv6 ClusterIP; A of it is NODATA', () => {
  const a = schemaZone();
  assert.equal(data(ask(a, 'kubernetes.v6.svc.cluster.local', 'AAAA')), ['kubernetes.v6.svc.cluster.local 5 AAAA 2001:db8::1']);
  const nodata = ask(a, 'kubernetes.v6.svc.cluster.local', 'A');
  assert.is(rcode(nodata), 'NOERROR');
  assert.equal(data(nodata), []);
});

test('§2.3.2 SRV of a named port, with the target address as additional', () => {
  const r = ask(schemaZone(), '_https._tcp.kubernetes.default.svc.cluster.local', 'SRV');
  assert.equal(data(r), ['_https._tcp.kubernetes.default.svc.cluster.local 5 SRV {"priority":0,"weight":100,"port":443,"target":"kubernetes.default.svc.cluster.local"}']);
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.equal(r.additionals.map((x) => `${x.name} ${x.type} ${(x as { data: string }).data}`), ['kubernetes.default.svc.cluster.local A 10.3.0.1']);
});

test('§2.3.3 PTR of a ClusterIP, IPv4 and IPv6', () => {
  const a = schemaZone();
  assert.equal(data(ask(a, '1.0.3.10.in-addr.arpa', 'PTR')), ['1.0.3.10.in-addr.arpa 5 PTR kubernetes.default.svc.cluster.local']);
  const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
  assert.equal(data(ask(a, v6, 'PTR')), [`${v6} 5 PTR kubernetes.v6.svc.cluster.local`]);
});

test('§2.4.1 headless A: one per ready endpoint, not the unready one', () => {
  const r = ask(schemaZone(), 'headless.default.svc.cluster.local', 'A');
  assert.equal(data(r).sort(), ['10.3.0.100', '10.3.0.101', '10.3.0.102'].map((ip) => `headless.default.svc.cluster.local 5 A ${ip}`));
});

test('§2.4.1 headless per-endpoint names: hostname, dashed address without one; unready absent', () => {
  const a = schemaZone();
  assert.equal(data(ask(a, 'my-pet.headless.default.svc.cluster.local', 'A')), ['my-pet.headless.default.svc.cluster.local 5 A 10.3.0.100']);
  assert.equal(data(ask(a, '10-3-0-102.headless.default.svc.cluster.local', 'A')), ['10-3-0-102.headless.default.svc.cluster.local 5 A 10.3.0.102']);
  assert.is(rcode(ask(a, 'sick.headless.default.svc.cluster.local', 'A')), 'NXDOMAIN');
});

test('§2.4.1 a headless Service without ready endpoints is NXDOMAIN', () => {
  assert.is(rcode(ask(schemaZone(), 'empty.default.svc.cluster.local', 'A')), 'NXDOMAIN');
});

test('§2.4.2 headless SRV: N ready endpoints × named ports, targets the endpoint names', () => {
  const r = ask(schemaZone(), '_https._tcp.headless.default.svc.cluster.local', 'SRV');
  const targets = data(r).map((line) => JSON.parse(line.slice(line.indexOf('{'))).target).sort();
  assert.equal(targets, ['10-3-0-102', 'my-pet', 'my-pet-2'].map((h) => `${h}.headless.default.svc.cluster.local`).sort());
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.is(r.additionals.length, 3);
});

test('§2.4.3 PTR of a headless endpoint names its hostname', () => {
  assert.equal(data(ask(schemaZone(), '100.0.3.10.in-addr.arpa', 'PTR')), ['100.0.3.10.in-addr.arpa 5 PTR my-pet.headless.default.svc.cluster.local']);
});

test('§2.5 ExternalName is a CNAME for any type; in-zone targets are followed', () => {
  const a = schemaZone();
  assert.equal(data(ask(a, 'foo.default.svc.cluster.local', 'A')), ['foo.default.svc.cluster.local 5 CNAME www.example.com']);
  assert.equal(data(ask(a, 'foo.default.svc.cluster.local', 'CNAME')), ['foo.default.svc.cluster.local 5 CNAME www.example.com']);
  assert.equal(data(ask(a, 'alias.default.svc.cluster.local', 'A')), [
    'alias.default.svc.cluster.local 5 CNAME kubernetes.default.svc.cluster.local',
    'kubernetes.default.svc.cluster.local 5 A 10.3.0.1',
  ]);
});

test('NXDOMAIN for unknown names in the zone, with the SOA for negative caching', () => {
  const r = ask(schemaZone(), 'nope.default.svc.cluster.local', 'A');
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.is(r.rcode, 'NXDOMAIN');
  assert.ok(r.flag_aa);
  assert.equal(r.authorities.map((x) => `${x.name} ${x.type}`), ['cluster.local SOA']);
  // A reverse name in the service range: the reverse zone's SOA (as CoreDNS serves in-addr.arpa).
  const rev = ask(schemaZone(), '99.0.3.10.in-addr.arpa', 'PTR');
  if (rev === undefined || rev === FORWARD) throw new Error('no response');
  assert.is(rev.rcode, 'NXDOMAIN');
  assert.ok(rev.flag_aa);
  assert.equal(rev.authorities.map((x) => `${x.name} ${x.type} ${x.type === 'SOA' ? x.data.mname : ''}`), ['in-addr.arpa SOA ns.dns.cluster.local']);
});

test('NODATA (NOERROR, empty) for a known name without that type and for empty non-terminals', () => {
  const a = schemaZone();
  for (const [name, type] of [
    ['kubernetes.default.svc.cluster.local', 'MX'], ['kubernetes.default.svc.cluster.local', 'AAAA'],
    ['default.svc.cluster.local', 'A'], ['svc.cluster.local', 'A'], ['_tcp.kubernetes.default.svc.cluster.local', 'SRV'],
  ] as const) {
    const r = ask(a, name, type as dnsPacket.RecordType);
    if (r === undefined || r === FORWARD) throw new Error('no response');
    assert.is(r.rcode, 'NOERROR', name);
    assert.is(r.answers.length, 0, name);
    assert.equal(r.authorities.map((x) => x.type), ['SOA'], name);
  }
});

test('the apex answers SOA and NS; the name server has an address', () => {
  const a = schemaZone();
  assert.equal(data(ask(a, 'cluster.local', 'NS')), ['cluster.local 5 NS ns.dns.cluster.local']);
  assert.equal(data(ask(a, 'ns.dns.cluster.local', 'A')), ['ns.dns.cluster.local 5 A 10.3.0.10']);
  assert.is(data(ask(a, 'cluster.local', 'SOA')).length, 1);
});

test('names outside the zone are REFUSED, or handed to the forwarder when forwarding', () => {
  const r = ask(schemaZone(), 'example.com', 'A');
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.is(r.rcode, 'REFUSED');
  assert.not.ok(r.flag_aa);
  assert.not.ok(r.flag_ra);
  assert.is(ask(schemaZone({ forwarding: true }), 'example.com', 'A'), FORWARD);
  assert.is(rcode(ask(schemaZone({ forwarding: true }), 'nope.svc.cluster.local', 'A')), 'NXDOMAIN');
});

test('letter case of the question is echoed, in the question and the answers', () => {
  const name = 'KuBeRnEtEs.DeFaUlT.sVc.ClUsTeR.lOcAl';
  const r = ask(schemaZone(), name, 'A');
  if (r === undefined || r === FORWARD) throw new Error('no response');
  assert.is(r.questions[0].name, name);
  assert.is(r.answers[0].name, name);
  assert.is(rcode(ask(schemaZone(), 'NOPE.default.svc.cluster.local', 'A')), 'NXDOMAIN');
});

test('EDNS0: an OPT comes back; version 1 gets BADVERS', () => {
  const a = schemaZone();
  const r = ask(a, 'kubernetes.default.svc.cluster.local', 'A', { edns: 1232 });
  if (r === undefined || r === FORWARD) throw new Error('no response');
  const opt = r.additionals.find((x) => x.type === 'OPT') as unknown as { udpPayloadSize: number; extendedRcode: number };
  assert.ok(opt);
  assert.is(opt.udpPayloadSize, 1232);
  const bad = ask(a, 'kubernetes.default.svc.cluster.local', 'A', { edns: 1232, version: 1 });
  if (bad === undefined || bad === FORWARD) throw new Error('no response');
  const badOpt = bad.additionals.find((x) => x.type === 'OPT') as unknown as { extendedRcode: number };
  // BADVERS (16) is the OPT's extended rcode 1 over the header's 0.
  assert.is((badOpt.extendedRcode << 4) | 0, RCODE_BADVERS);
  assert.is(bad.rcode, 'NOERROR');
  assert.is(bad.answers.length, 0);
});

test('any query type gets NODATA (or the CNAME), and the template cache per name stays bounded', () => {
  const zone = createDnsZone(ZONE);
  zone.set('#zone', zoneRecords(ZONE, ['10.3.0.10'], 5, 1));
  zone.set('default/web', serviceRecords(service('web', { clusterIP: '10.3.0.2', clusterIPs: ['10.3.0.2'] }), [], ZONE));
  zone.set('default/foo', serviceRecords(service('foo', { type: 'ExternalName', externalName: 'www.example.com', clusterIP: undefined, ports: [] }), [], ZONE));
  const a = createDnsAnswerer({ zone, ttl: 5, forwarding: false });
  for (let qtype = 1; qtype < 2000; qtype += 7) {
    for (const name of ['web.default.svc.cluster.local', 'foo.default.svc.cluster.local']) {
      const query = dnsPacket.encode({ type: 'query', id: qtype, questions: [{ type: 'A', name }] });
      query.writeUInt16BE(qtype, query.length - 4);
      const out = a.answer(query, query.length, false, 0);
      if (out === undefined || out === FORWARD) throw new Error('no response');
      assert.is(out.readUInt16BE(12 + name.length + 2), qtype, 'the question keeps its type');
      assert.is(out[3] & 0xf, 0);
    }
  }
  const cached = (name: string) => (zone.node(wireKey(name))!.answers as Map<number, unknown>).size;
  assert.ok(cached('web.default.svc.cluster.local') <= 10);
  assert.ok(cached('foo.default.svc.cluster.local') <= 10);
});

test('UDP answers that do not fit are truncated (TC); the same query over TCP comes back whole', () => {
  const zone = createDnsZone(ZONE);
  const eps = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.4.${i >> 8}.${i & 255}`] }));
  const big = service('big', { clusterIP: 'None', clusterIPs: ['None'], selector: undefined, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  zone.set('default/big', serviceRecords(big, [slice('big', eps, [{ name: 'http', port: 80, protocol: 'TCP' }])], ZONE));
  const a = createDnsAnswerer({ zone, ttl: 5, forwarding: false });
  const udp = ask(a as never, 'big.default.svc.cluster.local', 'A');
  if (udp === undefined || udp === FORWARD) throw new Error('no response');
  assert.ok(udp.flag_tc);
  assert.is(udp.answers.length, 0);
  const edns = ask(a as never, 'big.default.svc.cluster.local', 'A', { edns: 1232 });
  if (edns === undefined || edns === FORWARD) throw new Error('no response');
  assert.not.ok(edns.flag_tc, 'compressed owners: 60 A records fit in 1232 bytes');
  assert.is(edns.answers.length, 60);
  const tcp = ask(a as never, 'big.default.svc.cluster.local', 'A', { tcp: true });
  if (tcp === undefined || tcp === FORWARD) throw new Error('no response');
  assert.not.ok(tcp.flag_tc);
  assert.is(tcp.answers.length, 60);
  // An SRV answer too big for 512 bytes first loses its additional records, then is truncated.
  const srv = ask(a as never, '_http._tcp.big.default.svc.cluster.local', 'SRV', { edns: 4096 });
  if (srv === undefined || srv === FORWARD) throw new Error('no response');
  assert.is(srv.answers.length, 60);
  assert.is(srv.additionals.filter((x) => x.type === 'A').length, 0);
  assert.not.ok(srv.flag_tc);
});

test.run();
