// Turns one DNS query into its response bytes. Answers for a (name, type) are encoded once, with
// dns-packet, into templates held by the zone's node; a query then costs a copy of the template
// with the query's ID, RD/CD bits and question (the client's letter case, RFC 4343 / 0x20) patched
// in. Owners equal to the question name are compressed to a pointer at the question (offset 12),
// so answers echo the client's case too and 60 A records fit in one EDNS0 datagram.
// NXDOMAIN vs NOERROR-without-data, AA, EDNS0 (BADVERS for versions above 0), TC when a UDP answer
// does not fit (additional records are dropped first, RFC 2181 §9), REFUSED for names outside the
// zone unless a forwarder takes them. Main thread, per query.
import * as dnsPacket from 'dns-packet';
import {
  CLASSIC_UDP_LIMIT, HEADER_BYTES, QUERY_DROP, QUERY_FORMERR, QUERY_NOTIMP, QUERY_OK, TYPE_OPT,
  newDnsQuery, readQuery, type DnsQuery,
} from './dns-query.ts';
import type { DnsZone, ZoneNode } from './dns-zone.ts';
import { wireKey } from './dns-zone.ts';
import type { DnsRecord } from './service-records.ts';

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
export const RCODE_BADVERS = 16;

/** The UDP payload size switchyard advertises and the largest it sends (DNS flag day 2020 advises 1232). */
export const OUR_UDP_SIZE = 1232;
/** Above this a client's advertised size is not believed (fragments beyond it get lost on real paths). */
const MAX_UDP = 4096;
const TCP_LIMIT = 65535;

const TYPE_CODES: Record<DnsRecord['type'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 };
const QTYPE_ANY = 255;
const QTYPE_AXFR = 252;
const QTYPE_IXFR = 251;
const CLASS_IN = 1;
const CLASS_ANY = 255;
const MAX_CNAME_CHAIN = 8;
/**
 * Query types with templates of their own; every other type shares one (no records of it, or the
 * CNAME), its type patched in from the question like the name. Bounds the cache per name at ten
 * entries whatever types clients ask for.
 */
const OWN_TEMPLATE = new Uint8Array(256);
for (const t of [...Object.values(TYPE_CODES), QTYPE_ANY]) OWN_TEMPLATE[t] = 1;
const SHARED_TEMPLATE = 0;

/** What `answer` returns for a name that is not ours when forwarding is on. */
export const FORWARD = Symbol('forward');

export interface AnswerCounters {
  /** One query answered (rcode includes BADVERS as 16). */
  answered(qtype: number, rcode: number): void;
  /** A packet too broken to answer, or a response sent to us: dropped. */
  dropped(): void;
  /** A UDP answer sent with TC because it did not fit. */
  truncated(): void;
}

interface Variant { full: Buffer; trimmed: Buffer | undefined; truncated: Buffer }
interface Prepared { plain: Variant; edns: Variant }

export interface DnsAnswererOptions {
  zone: DnsZone;
  ttl: number;
  /** Names outside the zone go to the forwarder (RA is then set) instead of REFUSED. */
  forwarding: boolean;
  counters?: AnswerCounters;
}

export interface DnsAnswerer {
  /**
   * The response to `msg[0, len)`, `prefix` bytes left free at its start (2 for TCP's length),
   * FORWARD for a name the forwarder should resolve, or undefined to send nothing.
   */
  answer(msg: Uint8Array, len: number, tcp: boolean, prefix: number): Buffer | typeof FORWARD | undefined;
  /** SERVFAIL for `msg` (a forwarded query whose upstreams failed). */
  servfail(msg: Uint8Array, len: number, prefix: number): Buffer | undefined;
  /** The query last read by answer(): valid until the next call. */
  readonly query: DnsQuery;
}

function encodeRecord(r: DnsRecord, ttl: number): Buffer {
  const packet = dnsPacket.encode({ type: 'response', answers: [{ ...r, ttl, class: 'IN' } as dnsPacket.Answer] });
  return packet.subarray(HEADER_BYTES);
}

/** Encodes `r`; when its owner is the question name, the name becomes a pointer to the question. */
function encodeOwned(r: DnsRecord, ttl: number, questionName: string): Buffer {
  const full = encodeRecord(r, ttl);
  if (r.name !== questionName) return full;
  const nameBytes = wireKey(r.name).length;
  return Buffer.concat([Buffer.from([0xc0, HEADER_BYTES]), full.subarray(nameBytes)]);
}

const OPT_RR = Buffer.from([0, 0, TYPE_OPT, OUR_UDP_SIZE >> 8, OUR_UDP_SIZE & 0xff, 0, 0, 0, 0, 0, 0]);

function assemble(flags3: number, question: Buffer, answers: Buffer[], authority: Buffer[], additional: Buffer[], edns: boolean, extendedRcode = 0): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[2] = 0x80 | 0x04; // QR, AA
  header[3] = flags3;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(authority.length, 8);
  header.writeUInt16BE(additional.length + (edns ? 1 : 0), 10);
  const parts = [header, question, ...answers, ...authority, ...additional];
  if (edns) {
    const opt = Buffer.from(OPT_RR);
    opt[5] = extendedRcode;
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

function variant(flags3: number, question: Buffer, answers: Buffer[], authority: Buffer[], additional: Buffer[], edns: boolean): Variant {
  return {
    full: assemble(flags3, question, answers, authority, additional, edns),
    trimmed: additional.length ? assemble(flags3, question, answers, authority, [], edns) : undefined,
    truncated: assemble(flags3, question, [], [], [], edns),
  };
}

export function createDnsAnswerer(o: DnsAnswererOptions): DnsAnswerer {
  const { zone, ttl } = o;
  const q = newDnsQuery();
  const scratch = Buffer.alloc(256);
  const ra = o.forwarding ? 0x80 : 0;
  const apexKey = wireKey(zone.zone);
  const soaNode = () => zone.node(wireKey(zone.zone));
  const v4ReverseKey = wireKey('in-addr.arpa');
  // The cluster zone's SOA, and the same one owned by the reverse zone a denied reverse name lies
  // in (CoreDNS serves `in-addr.arpa` and `ip6.arpa` as zones of their own), re-encoded when the
  // zone changes.
  let soaCache: { version: number; rr?: Buffer; v4?: Buffer; v6?: Buffer } = { version: -1 };
  const soaRecords = () => {
    if (soaCache.version !== zone.version) {
      const soa = soaNode()?.records.find((r) => r.type === 'SOA');
      soaCache = soa ? {
        version: zone.version, rr: encodeRecord(soa, ttl),
        v4: encodeRecord({ ...soa, name: 'in-addr.arpa' }, ttl), v6: encodeRecord({ ...soa, name: 'ip6.arpa' }, ttl),
      } : { version: zone.version };
    }
    return soaCache;
  };
  const soaRecord = (): Buffer | undefined => soaRecords().rr;
  /** The SOA that lets a resolver cache the denial of `key`: the cluster zone's or a reverse zone's. */
  const denialSoa = (key: string): Buffer | undefined => {
    const c = soaRecords();
    return key.endsWith(apexKey) ? c.rr : key.endsWith(v4ReverseKey) ? c.v4 : c.v6;
  };

  function prepare(node: ZoneNode, qtype: number): Prepared {
    const questionName = node.name;
    const question = Buffer.concat([Buffer.from(wireKey(questionName), 'latin1'), Buffer.from([qtype >> 8, qtype & 0xff, 0, CLASS_IN])]);
    const answers: Buffer[] = [];
    const additional: Buffer[] = [];
    const matches = (r: DnsRecord) => qtype === QTYPE_ANY || TYPE_CODES[r.type] === qtype;
    let records = node.records.filter(matches);
    for (const r of records) answers.push(encodeOwned(r, ttl, questionName));
    if (records.length === 0 && qtype !== TYPE_CODES.CNAME) {
      // Follow a CNAME chain while it stays in the zone; a resolver follows it from there.
      let at: ZoneNode | undefined = node;
      for (let hops = 0; at && hops < MAX_CNAME_CHAIN; hops++) {
        const cname: DnsRecord | undefined = at.records.find((r) => r.type === 'CNAME');
        if (!cname) {
          if (at !== node) for (const r of at.records.filter(matches)) answers.push(encodeRecord(r, ttl));
          break;
        }
        answers.push(encodeOwned(cname, ttl, questionName));
        at = zone.node(wireKey(cname.data as string));
      }
      records = [];
    }
    // Addresses of SRV targets and of the name server, as the schema allows (§2.3.2, §2.4.2).
    const targets = new Set<string>();
    for (const r of records) {
      if (r.type === 'SRV') targets.add(r.data.target);
      if (r.type === 'NS') targets.add(r.data);
    }
    for (const t of targets) {
      for (const r of zone.node(wireKey(t))?.records ?? []) if (r.type === 'A' || r.type === 'AAAA') additional.push(encodeRecord(r, ttl));
    }
    const authority: Buffer[] = [];
    if (answers.length === 0) {
      const soa = soaRecord();
      if (soa) authority.push(soa);
    }
    const flags3 = ra | RCODE_NOERROR;
    return {
      plain: variant(flags3, question, answers, authority, additional, false),
      edns: variant(flags3, question, answers, authority, additional, true),
    };
  }

  /** A response with no answers built for this query alone (NXDOMAIN, REFUSED, errors). */
  function bare(msg: Uint8Array, rcode: number, prefix: number, authority?: Buffer): Buffer {
    const qlen = q.questionEnd > 0 ? q.questionEnd - HEADER_BYTES : 0;
    const edns = q.edns && q.questionEnd > 0;
    const size = prefix + HEADER_BYTES + qlen + (authority?.length ?? 0) + (edns ? OPT_RR.length : 0);
    const out = Buffer.allocUnsafe(size);
    let at = prefix;
    out[at] = q.id >> 8;
    out[at + 1] = q.id & 0xff;
    // Authoritative only for a name we deny; errors and refusals speak for no zone.
    out[at + 2] = 0x80 | (q.opcode << 3) | (rcode === RCODE_NXDOMAIN ? 0x04 : 0) | (msg[2] & 0x01);
    out[at + 3] = ra | (rcode & 0xf) | (msg[3] & 0x10);
    out[at + 4] = 0;
    out[at + 5] = qlen ? 1 : 0;
    out.fill(0, at + 6, at + 10);
    out[at + 9] = authority ? 1 : 0;
    out[at + 10] = 0;
    out[at + 11] = edns ? 1 : 0;
    at += HEADER_BYTES;
    if (qlen) { out.set(msg.subarray(HEADER_BYTES, q.questionEnd), at); at += qlen; }
    if (authority) { authority.copy(out, at); at += authority.length; }
    if (edns) {
      OPT_RR.copy(out, at);
      out[at + 5] = rcode >> 4;
    }
    return out;
  }

  function count(qtype: number, rcode: number) {
    o.counters?.answered(qtype, rcode);
  }

  return {
    query: q,
    servfail(msg, len, prefix) {
      const status = readQuery(msg, len, q, scratch);
      if (status === QUERY_DROP) return undefined;
      count(q.qtype, RCODE_SERVFAIL);
      return bare(msg, RCODE_SERVFAIL, prefix);
    },
    answer(msg, len, tcp, prefix) {
      const status = readQuery(msg, len, q, scratch);
      if (status === QUERY_DROP) { o.counters?.dropped(); return undefined; }
      if (status === QUERY_FORMERR || status === QUERY_NOTIMP) {
        const rcode = status === QUERY_FORMERR ? RCODE_FORMERR : RCODE_NOTIMP;
        count(q.questionEnd ? q.qtype : 0, rcode);
        return bare(msg, rcode, prefix);
      }
      if (status !== QUERY_OK) return undefined;
      if (q.edns && q.ednsVersion > 0) { count(q.qtype, RCODE_BADVERS); return bare(msg, RCODE_BADVERS, prefix); }
      if (q.qtype === TYPE_OPT) { count(q.qtype, RCODE_FORMERR); return bare(msg, RCODE_FORMERR, prefix); }
      if ((q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) || q.qtype === QTYPE_AXFR || q.qtype === QTYPE_IXFR) {
        count(q.qtype, RCODE_REFUSED);
        return bare(msg, RCODE_REFUSED, prefix);
      }
      // One short string per query: the map key. Everything else is copied, not allocated.
      const key = scratch.toString('latin1', 0, q.nameBytes);
      const node = zone.node(key);
      if (node === undefined) {
        if (zone.isAuthoritative(key)) {
          count(q.qtype, RCODE_NXDOMAIN);
          return bare(msg, RCODE_NXDOMAIN, prefix, denialSoa(key));
        }
        if (o.forwarding) return FORWARD;
        count(q.qtype, RCODE_REFUSED);
        return bare(msg, RCODE_REFUSED, prefix);
      }
      let answers = node.answers as Map<number, Prepared> | undefined;
      if (answers === undefined) node.answers = answers = new Map();
      const cacheType = q.qtype < 256 && OWN_TEMPLATE[q.qtype] === 1 ? q.qtype : SHARED_TEMPLATE;
      let prepared = answers.get(cacheType);
      if (prepared === undefined) answers.set(cacheType, prepared = prepare(node, cacheType));
      const v = q.edns ? prepared.edns : prepared.plain;
      const limit = tcp ? TCP_LIMIT : q.edns ? (q.udpSize > MAX_UDP ? MAX_UDP : q.udpSize) : CLASSIC_UDP_LIMIT;
      let t = v.full;
      if (t.length > limit) t = v.trimmed !== undefined && v.trimmed.length <= limit ? v.trimmed : v.truncated;
      const out = Buffer.allocUnsafe(prefix + t.length);
      t.copy(out, prefix);
      out[prefix] = msg[0];
      out[prefix + 1] = msg[1];
      out[prefix + 2] |= msg[2] & 0x01;
      out[prefix + 3] |= msg[3] & 0x10;
      if (t === v.truncated) { out[prefix + 2] |= 0x02; o.counters?.truncated(); }
      // The question as the client wrote it: name (its letter case), type and class.
      out.set(msg.subarray(HEADER_BYTES, q.questionEnd), prefix + HEADER_BYTES);
      count(q.qtype, RCODE_NOERROR);
      return out;
    },
  };
}
