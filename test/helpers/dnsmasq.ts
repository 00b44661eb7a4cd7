// Real DNS servers for the end-to-end tests: the benchmark's dnsmasq starter (one implementation).
export { dnsmasqBinary, dnsQuery, startDnsmasq, type Dnsmasq } from '../../bench/start-dnsmasq.ts';
