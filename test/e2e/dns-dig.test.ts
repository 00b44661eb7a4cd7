// DNS as a user sees it: `switchyard serve` answers kube-dns at .10 of its (random) service CIDR,
// and dig (Debian dnsutils) asks it, over UDP and TCP, for every record type of the schema, with
// Pods and Services applied and deleted through the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { defaultKubeDnsIP } from '../../src/dns/kube-dns-plan.ts';

let sy: SwitchyardProcess;
let dnsIP: string;
// Backend addresses: never dialled (no default probe), so any loopback address does.
const base = `127.${1 + Math.floor(Math.random() * 90)}.${Math.floor(Math.random() * 200)}`;

interface Dig { status: string; flags: string[]; answers: string[][]; out: string }

function dig(args: string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${dnsIP}`, '+tries=1', '+time=3', '+noall', '+comments', '+answer', ...args], { timeout: 20_000 }, (err, stdout) => {
      if (err && !stdout) return reject(err);
      const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
      const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
      const answers = stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/));
      resolve({ status, flags, answers, out: stdout });
    });
  });
}

const pod = (name: string, ip: string, labels: string, extra = '', ready = true) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { ${labels} } }
spec:
  ${extra}
  containers: [{ name: c, ports: [{ name: pg, containerPort: 5432 }] }]
status:
  podIP: ${ip}
  conditions: [{ type: Ready, status: "${ready ? 'True' : 'False'}" }]
---
`;

test.before(async () => {
  sy = await startSwitchyard(['--no-demo', '--no-default-probe']);
  dnsIP = defaultKubeDnsIP(sy.serviceCidr)!;
  const sixty = Array.from({ length: 60 }, (_, i) => `  - addresses: ["${base}.${i + 10}"]`).join('\n');
  const manifests = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: db }
spec:
  clusterIP: None
  selector: { app: db }
  ports: [{ name: pg, port: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: ext }
spec:
  type: ExternalName
  externalName: www.example.com
---
apiVersion: v1
kind: Service
metadata: { name: big }
spec:
  clusterIP: None
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: big-1, labels: { kubernetes.io/service-name: big } }
addressType: IPv4
ports: [{ name: http, port: 80 }]
endpoints:
${sixty}
---
${pod('web-1', `${base}.1`, 'app: web')}${pod('db-0', `${base}.2`, 'app: db', 'hostname: db-0\n  subdomain: db')}${pod('db-1', `${base}.3`, 'app: db')}${pod('db-2', `${base}.4`, 'app: db', '', false)}`;
  const r = await sy.cli(['apply', '-f', '-'], manifests);
  assert.is(r.code, 0, r.stderr + r.stdout);
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
});

const clusterIP = async (name: string) => JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout).spec.clusterIP as string;

test('kube-dns is a Service at .10 of the service CIDR, with dns and dns-tcp ports', async () => {
  const r = await sy.cli(['get', 'svc', '-A']);
  const row = r.stdout.split('\n').find((l) => l.startsWith('kube-system'))!.trim().split(/\s{2,}/);
  assert.equal([row[1], row[3], row[5]], ['kube-dns', dnsIP, '53/UDP,53/TCP']);
});

test('A of a ClusterIP Service; SRV of its named port; PTR of its ClusterIP', async () => {
  const ip = await clusterIP('web');
  const a = await dig(['web.default.svc.cluster.local', 'A']);
  assert.is(a.status, 'NOERROR');
  assert.ok(a.flags.includes('aa'), a.out);
  assert.equal(a.answers.map((x) => x[4]), [ip]);
  const srv = await dig(['_http._tcp.web.default.svc.cluster.local', 'SRV']);
  assert.equal(srv.answers.map((x) => x.slice(4).join(' ')), ['0 100 80 web.default.svc.cluster.local.']);
  const ptr = await dig(['-x', ip]);
  assert.equal(ptr.answers.map((x) => x[4]), ['web.default.svc.cluster.local.']);
});

test('headless A lists the ready Pods only; a Pod hostname has its own A; SRV targets the endpoints', async () => {
  const a = await dig(['db.default.svc.cluster.local', 'A']);
  assert.equal(a.answers.map((x) => x[4]).sort(), [`${base}.2`, `${base}.3`]);
  const host = await dig(['db-0.db.default.svc.cluster.local', 'A']);
  assert.equal(host.answers.map((x) => x[4]), [`${base}.2`]);
  const srv = await dig(['_pg._tcp.db.default.svc.cluster.local', 'SRV']);
  assert.equal(srv.answers.map((x) => x[7]).sort(), [`${base.replace(/\./g, '-')}-3.db.default.svc.cluster.local.`, 'db-0.db.default.svc.cluster.local.']);
});

test('ExternalName is a CNAME, and describe shows the external name', async () => {
  const r = await dig(['ext.default.svc.cluster.local', 'A']);
  assert.equal(r.answers.map((x) => `${x[3]} ${x[4]}`), ['CNAME www.example.com.']);
  const d = await sy.cli(['describe', 'svc', 'ext']);
  assert.match(d.stdout, /^External Name:\s+www\.example\.com$/m);
});

test('NXDOMAIN for an unknown name, NODATA for a known name without the type', async () => {
  const nx = await dig(['nope.default.svc.cluster.local', 'A']);
  assert.is(nx.status, 'NXDOMAIN');
  const nodata = await dig(['web.default.svc.cluster.local', 'AAAA']);
  assert.is(nodata.status, 'NOERROR');
  assert.is(nodata.answers.length, 0);
  const outside = await dig(['example.com', 'A']);
  assert.is(outside.status, 'REFUSED');
});

test('over TCP; letter case echoed', async () => {
  const r = await dig(['+tcp', 'WeB.DeFaUlT.sVc.cluster.LOCAL', 'A']);
  assert.is(r.status, 'NOERROR');
  assert.is(r.answers[0][0], 'WeB.DeFaUlT.sVc.cluster.LOCAL.');
});

test('60 endpoints: truncated (TC) over plain UDP, then whole through dig\'s TCP retry', async () => {
  const tc = await dig(['+noedns', '+ignore', 'big.default.svc.cluster.local', 'A']);
  assert.ok(tc.flags.includes('tc'), tc.out);
  const whole = await dig(['+noedns', 'big.default.svc.cluster.local', 'A']);
  assert.is(whole.answers.length, 60, whole.out);
  assert.not.ok(whole.flags.includes('tc'));
});

test('a deleted Pod is gone from the answer as soon as the delete returns', async () => {
  const r = await sy.cli(['delete', 'pod', 'db-1']);
  assert.is(r.code, 0, r.stderr);
  const a = await dig(['db.default.svc.cluster.local', 'A']);
  assert.equal(a.answers.map((x) => x[4]), [`${base}.2`]);
});

test('resolv-conf names the responder and the namespace search path', async () => {
  const r = await sy.cli(['resolv-conf', '-n', 'shop']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `nameserver ${dnsIP}\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`);
});

test('kube-dns is kept: deleted, it comes back at the same address and keeps answering', async () => {
  const r = await sy.cli(['delete', 'svc', 'kube-dns', '-n', 'kube-system']);
  assert.is(r.code, 0, r.stderr);
  const deadline = Date.now() + 10_000;
  let back = '';
  while (Date.now() < deadline) {
    const json = await sy.cli(['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'json']);
    if (json.code === 0 && JSON.parse(json.stdout).spec.clusterIP === dnsIP) { back = dnsIP; break; }
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(back.trim(), dnsIP);
  assert.is((await dig(['kube-dns.kube-system.svc.cluster.local', 'A'])).answers[0][4], dnsIP);
});

test('queries are counted on /metrics', async () => {
  const text = await (await fetch(`${sy.url}/metrics`)).text();
  assert.match(text, /^switchyard_dns_queries_total\{type="A",rcode="NXDOMAIN"\} [1-9]/m);
  assert.match(text, /^switchyard_dns_truncated_total [1-9]/m);
});

test.run();
