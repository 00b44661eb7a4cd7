// The responder as a client's only resolver: with dns.forward, names outside the zone go to a real
// upstream (dnsmasq) over UDP and TCP with RA set, cluster names stay authoritative, an upstream
// that is down gives SERVFAIL; garbage datagrams are counted and dropped, never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { SERVER_DEFAULTS } from '../../src/server/server-options.ts';
import { freePort, randomLoopback, randomServiceCidr } from '../helpers/free-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-dnsfwd-'));
const upstreamIP = randomLoopback();
let upstreamPort = 0;
let dnsmasq: ChildProcess;
let server: RunningServer;
let dnsIP = '';

function dig(args: string[]): Promise<{ status: string; flags: string[]; answers: string[] }> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${dnsIP}`, '+tries=1', '+time=4', '+noall', '+comments', '+answer', ...args], { timeout: 20_000 }, (err, stdout) => {
      if (err && !stdout) return reject(err);
      resolve({
        status: /status: (\w+)/.exec(stdout)?.[1] ?? '',
        flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/),
        answers: stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/)[4]),
      });
    });
  });
}

test.before(async () => {
  writeFileSync(join(dir, 'hosts'), '127.7.7.7 example.test\n');
  upstreamPort = await freePort();
  dnsmasq = spawn('dnsmasq', ['-k', '-C', '/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${join(dir, 'hosts')}`,
    `--listen-address=${upstreamIP}`, `--port=${upstreamPort}`, '--bind-interfaces', '--pid-file=', '--user=root'], { stdio: 'ignore' });
  server = await startServer({
    ...SERVER_DEFAULTS, stateDir: join(dir, 'state'), files: [], log: () => {},
    admin: { host: '127.0.0.1', port: 0 }, serviceCidr: randomServiceCidr(), nodeAddresses: [randomLoopback()], workers: 1,
    dns: { ...SERVER_DEFAULTS.dns, forward: [`${upstreamIP}:${upstreamPort}`] },
  });
  dnsIP = server.dns.plan!.clusterIP;
  const deadline = Date.now() + 10_000;
  while ((await dig(['example.test'])).answers.length === 0) {
    if (Date.now() > deadline) throw new Error('dnsmasq did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.after(async () => {
  await server?.stop();
  dnsmasq?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('names outside the zone are forwarded, over UDP and TCP, with RA', async () => {
  for (const extra of [[], ['+tcp']]) {
    const r = await dig([...extra, 'example.test', 'A']);
    assert.is(r.status, 'NOERROR');
    assert.equal(r.answers, ['127.7.7.7']);
    assert.ok(r.flags.includes('ra'), r.flags.join(' '));
  }
});

test('names in the zone stay ours: authoritative, NXDOMAIN not forwarded', async () => {
  const r = await dig(['kube-dns.kube-system.svc.cluster.local', 'A']);
  assert.equal(r.answers, [dnsIP]);
  assert.ok(r.flags.includes('aa'));
  assert.is((await dig(['nothing.svc.cluster.local', 'A'])).status, 'NXDOMAIN');
});

test('garbage datagrams are dropped or answered FORMERR, counted, and the responder keeps answering', async () => {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < 200; i++) {
    const junk = Buffer.alloc(i % 40);
    for (let j = 0; j < junk.length; j++) junk[j] = (i * 31 + j * 17) & 0xff;
    sock.send(junk, 53, dnsIP);
  }
  const after = await dig(['kube-dns.kube-system.svc.cluster.local', 'A']);
  assert.equal(after.answers, [dnsIP]);
  sock.close();
  const text = server.dns.metrics.prometheus();
  assert.match(text, /^switchyard_dns_malformed_total [1-9]/m);
  assert.match(text, /rcode="FORMERR"\} [1-9]/);
});

test("dgram's path (the fallback when Node lacks the raw UDP handle) answers the same", async () => {
  const { startDnsResponder } = await import('../../src/dns/dns-responder.ts');
  const { createDnsAnswerer } = await import('../../src/dns/dns-answerer.ts');
  const { createDnsZone } = await import('../../src/dns/dns-zone.ts');
  const { createDnsMetrics } = await import('../../src/dns/dns-metrics.ts');
  const { zoneRecords } = await import('../../src/dns/service-records.ts');
  const zone = createDnsZone('cluster.local');
  const ip = randomLoopback();
  zone.set('#zone', zoneRecords('cluster.local', [ip], 5, 1));
  const metrics = createDnsMetrics();
  const port = await freePort(ip);
  const responder = startDnsResponder({
    endpoints: [{ ip, port }], answerer: createDnsAnswerer({ zone, ttl: 5, forwarding: false, counters: metrics }), metrics, report: () => {}, useDgram: true,
  });
  await responder.ready;
  const saved = dnsIP;
  dnsIP = ip;
  try {
    for (const extra of [[], ['+tcp']]) assert.equal((await dig(['-p', String(port), ...extra, 'ns.dns.cluster.local', 'A'])).answers, [ip]);
  } finally {
    dnsIP = saved;
    await responder.close();
  }
});

test('an address in use is reported with what to do, retried, and served once free', async () => {
  const { startDnsResponder } = await import('../../src/dns/dns-responder.ts');
  const { createDnsAnswerer } = await import('../../src/dns/dns-answerer.ts');
  const { createDnsZone } = await import('../../src/dns/dns-zone.ts');
  const { createDnsMetrics } = await import('../../src/dns/dns-metrics.ts');
  const ip = randomLoopback();
  const port = await freePort(ip);
  const blocker = createSocket('udp4');
  await new Promise<void>((r) => blocker.bind(port, ip, () => r()));
  const reports: string[] = [];
  const metrics = createDnsMetrics();
  const responder = startDnsResponder({
    endpoints: [{ ip, port }], answerer: createDnsAnswerer({ zone: createDnsZone('cluster.local'), ttl: 5, forwarding: false }), metrics,
    report: (type, reason, message) => reports.push(`${type} ${reason} ${message}`), retryIntervalMs: 50,
  });
  await responder.ready;
  assert.equal(responder.bound(), []);
  assert.match(reports[0], /^Warning FailedToListen cannot answer DNS on .*EADDRINUSE.*move the responder with --dns ADDR/);
  await new Promise<void>((r) => blocker.close(() => r()));
  const deadline = Date.now() + 10_000;
  while (responder.bound().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(responder.bound(), [`${ip}:${port}`]);
  assert.match(reports.at(-1)!, /^Normal DNSListening/);
  await responder.close();
});

test('an upstream that does not answer gives SERVFAIL', async () => {
  dnsmasq.kill('SIGTERM');
  await new Promise((r) => dnsmasq.once('exit', r));
  const r = await dig(['+time=8', 'example.test', 'A']);
  assert.is(r.status, 'SERVFAIL');
});

test.run();
