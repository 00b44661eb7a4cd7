// Ports and addresses for tests; freePort is the benchmark's own (one implementation).
export { freePort } from '../../bench/free-port.ts';

/** A random /24 inside 127.96.0.0/12 so test runs never collide on ClusterIPs. */
export function randomServiceCidr(): string {
  return `127.${96 + Math.floor(Math.random() * 16)}.${Math.floor(Math.random() * 256)}.0/24`;
}

/** A random loopback address outside the service CIDR and the LB pool, for node addresses and backends. */
export function randomLoopback(): string {
  return `127.${1 + Math.floor(Math.random() * 90)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
}
