// FQDN endpoints through a real server: an EndpointSlice of addressType FQDN, and a hand-written
// Endpoints whose `ip` is a name, are resolved through a real dnsmasq (the resolver's name server)
// into addresses the data plane balances over and DNS publishes; a name that stops resolving keeps
// its addresses and raises an event; a changed answer is picked up at the record's TTL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { SERVER_DEFAULTS } from '../../src/server/server-options.ts';
import { freePort, randomLoopback, randomServiceCidr } from '../helpers/free-port.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { systemLookup } from '../../src/discovery/fqdn-resolver.ts';
import type { Service } from '../../src/model/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-fqdn-'));
const hosts = join(dir, 'hosts');
const prefix = `127.${1 + Math.floor(Math.random() * 90)}.${Math.floor(Math.random() * 250)}`;
const ip1 = `${prefix}.1`;
const ip2 = `${prefix}.2`;
const dnsmasqIP = randomLoopback();
let dnsmasqPort = 0;
let dnsmasq: ChildProcess;
let server: RunningServer;
let a: TcpBackend;
let b: TcpBackend;

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Greetings of `n` connections through the Service's ClusterIP (a refused one counts as `refused`). */
async function greetings(service: string, port: number, n: number): Promise<Set<string>> {
  const svc = server.registry.get('Service', 'default', service) as Service;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    try {
      const c = await connectAndGreet(svc.spec.clusterIP!, port);
      seen.add(c.name);
      c.socket.destroy();
    } catch {
      seen.add('refused');
    }
  }
  return seen;
}

const events = (reason: string) => server.registry.events({ namespace: 'default', kind: 'Service', name: 'web' }).filter((e) => e.reason === reason);

test.before(async () => {
  a = await startTcpBackend('alpha', ip1);
  b = await startTcpBackend('bravo', ip2, a.port);
  writeFileSync(hosts, `${ip1} web.test\n${ip2} web.test\n`);
  dnsmasqPort = await freePort();
  dnsmasq = spawn('dnsmasq', ['-k', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--local-ttl=1',
    `--listen-address=${dnsmasqIP}`, `--port=${dnsmasqPort}`, '--bind-interfaces', '--pid-file=', '--user=root', '--log-facility=-'], { stdio: 'ignore' });
  const lookup = systemLookup([`${dnsmasqIP}:${dnsmasqPort}`]);
  await waitFor('dnsmasq', () => lookup('web.test').then(() => true, () => false));
  server = await startServer({
    ...SERVER_DEFAULTS, stateDir: join(dir, 'state'), files: [], log: (l, m) => { if (process.env.DEBUG_FQDN) console.error(l, m); },
    admin: { host: '127.0.0.1', port: 0 }, serviceCidr: randomServiceCidr(), nodeAddresses: [randomLoopback()],
    workers: 1, maxSlots: 64, defaultProbe: { ...SERVER_DEFAULTS.defaultProbe, enabled: false },
    fqdnNameservers: [`${dnsmasqIP}:${dnsmasqPort}`],
  });
  await server.registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await server.registry.apply({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'FQDN',
    metadata: { name: 'web-names', labels: { 'kubernetes.io/service-name': 'web' } },
    ports: [{ name: 'http', port: a.port }], endpoints: [{ addresses: ['web.test'] }],
  });
});

test.after(async () => {
  await server?.stop();
  dnsmasq?.kill('SIGTERM');
  await a?.close();
  await b?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every address the name resolves to is an endpoint the data plane balances over', async () => {
  await waitFor('both backends', async () => { const s = await greetings('web', 80, 6); return s.size === 2 && !s.has('refused'); });
  assert.equal([...await greetings('web', 80, 6)].sort(), ['alpha', 'bravo']);
});

test('the resolved endpoints are in DNS too (headless Service over the same name)', async () => {
  await server.registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-pods' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
  await server.registry.apply({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'FQDN',
    metadata: { name: 'web-pods-names', labels: { 'kubernetes.io/service-name': 'web-pods' } },
    ports: [{ name: 'http', port: a.port }], endpoints: [{ addresses: ['web.test.'] }],
  });
  const dnsIP = server.dns.plan!.clusterIP;
  const lookup = systemLookup([dnsIP]);
  const r = await waitFor('A records', () => lookup('web-pods.default.svc.cluster.local').then((x) => (x.addresses.length === 2 ? x.addresses : false), () => false as const));
  assert.equal(r.sort(), [ip1, ip2]);
});

test('a hand-written Endpoints whose ip is a name is resolved the same way', async () => {
  await server.registry.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy' }, spec: { ports: [{ port: 81, targetPort: a.port }] } });
  await server.registry.apply({
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'legacy' },
    subsets: [{ addresses: [{ ip: 'web.test' }], ports: [{ port: a.port }] }],
  });
  await waitFor('both backends behind legacy', async () => { const s = await greetings('legacy', 81, 6); return s.size === 2 && !s.has('refused'); });
});

test('a name that stops resolving keeps its addresses and raises an event; it recovers with the new answer', async () => {
  writeFileSync(hosts, '');
  dnsmasq.kill('SIGHUP');
  await waitFor('FQDNResolutionFailed event', () => events('FQDNResolutionFailed').length > 0);
  assert.match(events('FQDNResolutionFailed')[0].message, /web\.test does not resolve .*keeping its last addresses/);
  assert.equal([...await greetings('web', 80, 6)].sort(), ['alpha', 'bravo']);
  writeFileSync(hosts, `${ip2} web.test\n`);
  dnsmasq.kill('SIGHUP');
  await waitFor('FQDNResolved event', () => events('FQDNResolved').length > 0);
  await waitFor('only bravo', async () => { const s = await greetings('web', 80, 4); return s.size === 1 && s.has('bravo'); });
});

test.run();
