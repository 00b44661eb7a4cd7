// The DNS responder's counters: queries by type and rcode, packets dropped as malformed, answers
// truncated, and a latency histogram (receipt to send; forwarded queries until the upstream's
// reply). Plain typed arrays on the main thread, which is the only thread that answers DNS;
// rendered as Prometheus text beside the data plane's families on /metrics.

const TYPE_NAMES: [number, string][] = [
  [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [15, 'MX'], [16, 'TXT'], [28, 'AAAA'], [33, 'SRV'], [255, 'ANY'],
];
const OTHER_TYPE = TYPE_NAMES.length;
const RCODE_NAMES: [number, string][] = [
  [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'], [16, 'BADVERS'],
];
const OTHER_RCODE = RCODE_NAMES.length;
/** Upper bounds in seconds: tens of µs for answers from memory up to the forwarder's timeouts. */
export const DNS_SECONDS_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface DnsMetrics {
  answered(qtype: number, rcode: number): void;
  dropped(): void;
  truncated(): void;
  observe(seconds: number): void;
  /** The families in Prometheus text format 0.0.4. */
  prometheus(): string;
  /** Queries answered so far, all types and rcodes (tests, status). */
  total(): number;
}

export function createDnsMetrics(): DnsMetrics {
  const typeIndex = new Uint8Array(256).fill(OTHER_TYPE);
  TYPE_NAMES.forEach(([code], i) => { typeIndex[code] = i; });
  const rcodeIndex = new Uint8Array(32).fill(OTHER_RCODE);
  RCODE_NAMES.forEach(([code], i) => { rcodeIndex[code] = i; });
  const rcodes = RCODE_NAMES.length + 1;
  const queries = new Float64Array((TYPE_NAMES.length + 1) * rcodes);
  const buckets = new Float64Array(DNS_SECONDS_BUCKETS.length + 1);
  let sum = 0;
  let dropped = 0;
  let truncated = 0;

  return {
    answered(qtype, rcode) {
      const t = qtype < 256 ? typeIndex[qtype] : OTHER_TYPE;
      const r = rcode < 32 ? rcodeIndex[rcode] : OTHER_RCODE;
      queries[t * rcodes + r]++;
    },
    dropped() { dropped++; },
    truncated() { truncated++; },
    observe(seconds) {
      let b = 0;
      while (b < DNS_SECONDS_BUCKETS.length && seconds > DNS_SECONDS_BUCKETS[b]) b++;
      buckets[b]++;
      sum += seconds;
    },
    total() {
      let n = 0;
      for (const v of queries) n += v;
      return n;
    },
    prometheus() {
      const lines: string[] = [
        '# HELP switchyard_dns_queries_total DNS queries answered by the built-in responder, by query type and response code.',
        '# TYPE switchyard_dns_queries_total counter',
      ];
      const typeName = (i: number) => (i < TYPE_NAMES.length ? TYPE_NAMES[i][1] : 'other');
      const rcodeName = (i: number) => (i < RCODE_NAMES.length ? RCODE_NAMES[i][1] : 'other');
      for (let i = 0; i < queries.length; i++) {
        if (queries[i] === 0) continue;
        lines.push(`switchyard_dns_queries_total{type="${typeName(Math.floor(i / rcodes))}",rcode="${rcodeName(i % rcodes)}"} ${queries[i]}`);
      }
      lines.push(
        '# HELP switchyard_dns_malformed_total DNS packets dropped unanswered: shorter than a header, or responses sent to the responder.',
        '# TYPE switchyard_dns_malformed_total counter',
        `switchyard_dns_malformed_total ${dropped}`,
        '# HELP switchyard_dns_truncated_total UDP answers sent truncated (TC) because they did not fit; the client retries over TCP.',
        '# TYPE switchyard_dns_truncated_total counter',
        `switchyard_dns_truncated_total ${truncated}`,
        '# HELP switchyard_dns_request_duration_seconds Time from a query\'s receipt to its answer being sent.',
        '# TYPE switchyard_dns_request_duration_seconds histogram',
      );
      let cumulative = 0;
      for (let b = 0; b <= DNS_SECONDS_BUCKETS.length; b++) {
        cumulative += buckets[b];
        lines.push(`switchyard_dns_request_duration_seconds_bucket{le="${b < DNS_SECONDS_BUCKETS.length ? DNS_SECONDS_BUCKETS[b] : '+Inf'}"} ${cumulative}`);
      }
      lines.push(`switchyard_dns_request_duration_seconds_sum ${sum}`, `switchyard_dns_request_duration_seconds_count ${cumulative}`);
      return lines.join('\n') + '\n';
    },
  };
}
