// A port the OS says is free on `host` right now (bind port 0, read it, close). For programs such
// as nginx that need a number in their config; the small race is accepted in tests.
import net from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A random /24 inside 127.96.0.0/12 so test runs never collide on ClusterIPs. */
export function randomServiceCidr(): string {
  return `127.${96 + Math.floor(Math.random() * 16)}.${Math.floor(Math.random() * 256)}.0/24`;
}

/** A random loopback address outside the service CIDR and the LB pool, for node addresses and backends. */
export function randomLoopback(): string {
  return `127.${1 + Math.floor(Math.random() * 90)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
}
