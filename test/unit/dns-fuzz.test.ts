// The responder's packet handling never throws and never answers garbage with garbage: random
// packets, every truncation of valid queries, and bit flips of them (seeded, so a failure can be
// replayed). Whatever comes back is a well-formed response dns-packet can decode, with the query's
// ID; a packet that is not a query is dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import { seededRandom } from '../../src/balancers/seeded-random.ts';
import { createDnsAnswerer, FORWARD, type AnswerCounters } from '../../src/dns/dns-answerer.ts';
import { createDnsZone } from '../../src/dns/dns-zone.ts';
import { serviceRecords, zoneRecords } from '../../src/dns/service-records.ts';
import { service } from './model-fixtures.ts';

const ZONE = 'cluster.local';
let dropped = 0;
const counters: AnswerCounters = { answered() {}, dropped() { dropped++; }, truncated() {} };

function answerer(forwarding: boolean) {
  const zone = createDnsZone(ZONE);
  zone.set('#zone', zoneRecords(ZONE, ['10.96.0.10'], 5, 1));
  zone.set('default/web', serviceRecords(service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }), [], ZONE));
  zone.set('default/ext', serviceRecords(service('ext', { type: 'ExternalName', externalName: 'example.com', clusterIP: undefined, ports: [] }), [], ZONE));
  return createDnsAnswerer({ zone, ttl: 5, forwarding, counters });
}

const seeds: Buffer[] = [
  ['web.default.svc.cluster.local', 'A'], ['_http._tcp.web.default.svc.cluster.local', 'SRV'], ['ext.default.svc.cluster.local', 'A'],
  ['20.0.96.10.in-addr.arpa', 'PTR'], ['nope.svc.cluster.local', 'AAAA'], ['example.com', 'A'],
].flatMap(([name, type]) => [false, true].map((edns) => dnsPacket.encode({
  type: 'query', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as dnsPacket.RecordType }],
  additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, options: [{ code: 10, data: Buffer.alloc(8, 7) }] } as unknown as dnsPacket.Answer] : [],
})));

function check(a: ReturnType<typeof answerer>, msg: Buffer, label: string) {
  let out;
  try {
    out = a.answer(msg, msg.length, false, 0);
  } catch (err) {
    throw new Error(`${label}: threw ${(err as Error).stack} on ${msg.toString('hex')}`);
  }
  if (out === undefined || out === FORWARD) return;
  assert.ok(msg.length >= 12 && (msg[2] & 0x80) === 0, `${label}: answered a non-query ${msg.toString('hex')}`);
  assert.is(out.readUInt16BE(0), msg.readUInt16BE(0), `${label}: ID not echoed`);
  assert.ok(out[2] & 0x80, `${label}: QR not set`);
  try {
    dnsPacket.decode(out);
  } catch (err) {
    throw new Error(`${label}: response does not decode (${(err as Error).message}): ${out.toString('hex')} for ${msg.toString('hex')}`);
  }
}

test('random packets of every length up to 600 bytes', () => {
  const rnd = seededRandom(15);
  for (const forwarding of [false, true]) {
    const a = answerer(forwarding);
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(rnd() * 600);
      const msg = Buffer.alloc(len);
      for (let j = 0; j < len; j++) msg[j] = Math.floor(rnd() * 256);
      // Half of them look like one-question queries, to get past the header checks.
      if (len >= 12 && i % 2 === 0) { msg[2] &= 0x07; msg[4] = 0; msg[5] = 1; msg.fill(0, 6, 10); msg[10] = 0; msg[11] &= 1; }
      check(a, msg, `random #${i}`);
    }
  }
});

test('every truncation of valid queries', () => {
  const a = answerer(false);
  for (const q of seeds) for (let len = 0; len <= q.length; len++) check(a, Buffer.from(q.subarray(0, len)), `truncated to ${len}`);
});

test('bit flips and byte overwrites of valid queries', () => {
  const rnd = seededRandom(1515);
  const a = answerer(true);
  for (let i = 0; i < 20_000; i++) {
    const msg = Buffer.from(seeds[i % seeds.length]);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(rnd() * msg.length);
      if (rnd() < 0.5) msg[at] ^= 1 << Math.floor(rnd() * 8);
      else msg[at] = Math.floor(rnd() * 256);
    }
    check(a, msg, `mutation #${i}`);
  }
});

test('responses and short packets are dropped and counted', () => {
  const a = answerer(false);
  dropped = 0;
  const response = Buffer.from(seeds[0]);
  response[2] |= 0x80;
  assert.is(a.answer(response, response.length, false, 0), undefined);
  assert.is(a.answer(Buffer.alloc(5), 5, false, 0), undefined);
  assert.is(dropped, 2);
});

test.run();
