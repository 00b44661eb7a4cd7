// Reads the parts of a DNS query the responder needs, straight from the datagram: header, the one
// question (its name copied in lower case into a scratch buffer) and an EDNS0 OPT record. No
// allocation: the caller owns one DnsQuery and one scratch buffer per thread and reuses them for
// every packet. Anything else — several questions, records in the answer or authority sections,
// compression in the question — is refused as FORMERR, as most authoritative servers do.
// Main thread (the responder), per query.

export const HEADER_BYTES = 12;
export const TYPE_OPT = 41;
/** What a client without EDNS0 may receive over UDP (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;

export const QUERY_OK = 0;
/** Not worth an answer: shorter than a header, or a response (never answer those: reflection loops). */
export const QUERY_DROP = 1;
export const QUERY_FORMERR = 2;
export const QUERY_NOTIMP = 3;

export interface DnsQuery {
  id: number;
  opcode: number;
  /** Offset just past the question (name, type, class). */
  questionEnd: number;
  /** Bytes of the question's name, its final zero byte included; scratch[0, nameBytes) is it in lower case. */
  nameBytes: number;
  qtype: number;
  qclass: number;
  edns: boolean;
  /** The requestor's UDP payload size (EDNS0), 512 without EDNS0. */
  udpSize: number;
  ednsVersion: number;
}

export function newDnsQuery(): DnsQuery {
  return { id: 0, opcode: 0, questionEnd: 0, nameBytes: 0, qtype: 0, qclass: 0, edns: false, udpSize: CLASSIC_UDP_LIMIT, ednsVersion: 0 };
}

/**
 * Fills `q` from `msg` (and the lower-cased name into `scratch`, at least 256 bytes); returns
 * QUERY_OK, QUERY_DROP, QUERY_FORMERR or QUERY_NOTIMP. On FORMERR/NOTIMP `q.id` and `q.opcode`
 * are set, and `q.questionEnd` is 0 when the question could not be read.
 */
export function readQuery(msg: Uint8Array, len: number, q: DnsQuery, scratch: Uint8Array): number {
  q.questionEnd = 0;
  q.edns = false;
  q.udpSize = CLASSIC_UDP_LIMIT;
  q.ednsVersion = 0;
  if (len < HEADER_BYTES) return QUERY_DROP;
  q.id = (msg[0] << 8) | msg[1];
  if (msg[2] & 0x80) return QUERY_DROP;
  q.opcode = (msg[2] >> 3) & 0xf;
  const qd = (msg[4] << 8) | msg[5];
  const an = (msg[6] << 8) | msg[7];
  const ns = (msg[8] << 8) | msg[9];
  const ar = (msg[10] << 8) | msg[11];
  if (qd !== 1 || an !== 0 || ns !== 0 || ar > 1) return QUERY_FORMERR;
  let at = HEADER_BYTES;
  for (;;) {
    if (at >= len) return QUERY_FORMERR;
    const l = msg[at];
    // Labels only: a pointer in the question could only point into the header.
    if (l > 63) return QUERY_FORMERR;
    if (at - HEADER_BYTES + l + 1 > 255) return QUERY_FORMERR;
    if (at + l + 1 > len) return QUERY_FORMERR;
    scratch[at - HEADER_BYTES] = l;
    if (l === 0) { at++; break; }
    for (let i = at + 1; i <= at + l; i++) {
      const c = msg[i];
      scratch[i - HEADER_BYTES] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    at += l + 1;
  }
  if (at + 4 > len) return QUERY_FORMERR;
  q.nameBytes = at - HEADER_BYTES;
  q.qtype = (msg[at] << 8) | msg[at + 1];
  q.qclass = (msg[at + 2] << 8) | msg[at + 3];
  at += 4;
  q.questionEnd = at;
  if (q.opcode !== 0) return QUERY_NOTIMP;
  if (ar === 1) {
    // The one additional record must be an OPT owned by the root: 0, type, class, ttl, rdlength.
    if (at + 11 > len || msg[at] !== 0) return QUERY_FORMERR;
    if (((msg[at + 1] << 8) | msg[at + 2]) !== TYPE_OPT) return QUERY_FORMERR;
    const rdlen = (msg[at + 9] << 8) | msg[at + 10];
    if (at + 11 + rdlen > len) return QUERY_FORMERR;
    q.edns = true;
    const size = (msg[at + 3] << 8) | msg[at + 4];
    q.udpSize = size < CLASSIC_UDP_LIMIT ? CLASSIC_UDP_LIMIT : size;
    q.ednsVersion = msg[at + 6];
  }
  return QUERY_OK;
}
