// Two switchyard instances, each a host of its own: a network namespace this test makes (its own
// loopback, one veth pair to a bridge in the root namespace, addresses from 198.18.0.0/15), each
// started as a user would (`ip netns exec NS node bin/switchyard.js serve --store etcd://…`), with a
// real 3-member etcd cluster and the backends in the root namespace on the bridge's addresses.
// Both bind the same ClusterIP, each on its own loopback, as two machines would. It shows: traffic
// through either instance reaches the same endpoints; Maglev (ClientIP affinity on a shared store)
// sends one client to the same endpoint through either instance; a Pod deleted through A changes B's
// traffic within a second (measured and printed; the assertion is a generous bound, the machine is
// shared), its clients moving the same way through A and B; and everything the test made — processes by PID,
// namespaces, links, the bridge — is gone at the end (also after a failure: the after hook and the
// lab's exit hook; a run killed outright is swept by the next one).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.ts';
import { freePort, randomServiceCidr } from '../helpers/free-port.ts';
import { createNetnsLab, type NetnsLab } from '../helpers/netns-lab.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { waitForValue } from '../helpers/wait-for.ts';

const BACKENDS = [2, 3, 4, 5];
/** Client source addresses in the root namespace: one "client" each, as Maglev sees it. */
const CLIENTS = Array.from({ length: 32 }, (_, i) => 100 + i);
/** Rounds of delete-through-A, watch-B. */
const ROUNDS = 3;

let lab: NetnsLab | undefined;
let cluster: EtcdCluster | undefined;
const backends: TcpBackend[] = [];
const instances: SwitchyardProcess[] = [];
let work = '';
let token = '';
let nodePort = 0;
let clusterIP = '';

const manifest = (pods: TcpBackend[]) => [`apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: NodePort
  selector: { app: web }
  sessionAffinity: ClientIP
  ports: [{ port: 80, targetPort: http }]`, ...pods.map((be) => `apiVersion: v1
kind: Pod
metadata: { name: ${be.name}, labels: { app: web } }
spec: { containers: [{ name: c, ports: [{ name: http, containerPort: ${be.port} }] }] }
status: { podIP: ${be.ip}, conditions: [{ type: Ready, status: "True" }] }`)].join('\n---\n') + '\n';

/** The backend a client (source address) reaches through `s`'s NodePort; undefined on failure. */
async function via(s: SwitchyardProcess, client: string): Promise<string | undefined> {
  try {
    const { socket, name } = await connectAndGreet(s.nodeAddress, nodePort, 2000, client);
    socket.destroy();
    return name;
  } catch {
    return undefined;
  }
}

/** client → backend through `s`, for every client. */
async function mapping(s: SwitchyardProcess): Promise<Map<string, string | undefined>> {
  const addrs = CLIENTS.map((c) => lab!.rootAddress(c));
  const names = await Promise.all(addrs.map((c) => via(s, c)));
  return new Map(addrs.map((c, i) => [c, names[i]]));
}

const same = (x: Map<string, string | undefined>, y: Map<string, string | undefined>) => [...x].every(([c, n]) => n !== undefined && y.get(c) === n);

/** Greetings of `count` connections to the ClusterIP made from inside host `ns` (a client on that host). */
function clusterIpFromInside(ns: string, count: number): Promise<string[]> {
  const code = `const net=require('net');const out=[];(async()=>{for(let i=0;i<${count};i++){out.push(await new Promise((ok,ko)=>{` +
    `const s=net.connect(80,${JSON.stringify(clusterIP)});let b='';const t=setTimeout(()=>{s.destroy();ko(new Error('timeout'))},2000);` +
    `s.on('error',ko);s.on('data',(d)=>{b+=d;const n=b.indexOf('\\n');if(n>=0){clearTimeout(t);s.destroy();ok(b.slice(0,n))}})}))}` +
    `console.log(JSON.stringify(out))})().catch((e)=>{console.error(e.message);process.exit(1)})`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`client in ${ns}: ${stderr || err.message}`)); else resolve(JSON.parse(stdout));
    });
  });
}

const api = async (s: SwitchyardProcess, method: string, path: string, body?: string) => {
  const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/yaml' } : {}) }, body });
  return { status: r.status, body: await r.json().catch(() => undefined) as Record<string, any> };
};

// uvu reports a failed before hook only as every test failing: say what failed.
test.before(() => setUp().catch((err) => { console.error(`  setting up failed: ${(err as Error).stack}`); throw err; }));

async function setUp(): Promise<void> {
  lab = createNetnsLab({ hosts: 2, rootAddresses: [...BACKENDS, ...CLIENTS] });
  cluster = await startEtcdCluster({ host: lab.bridgeAddress });
  for (const [i, octet] of BACKENDS.entries()) backends.push(await startTcpBackend(`web-${i}`, lab.rootAddress(octet)));
  work = mkdtempSync(join(tmpdir(), 'sy-netns-'));
  token = `t-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  const serviceCidr = randomServiceCidr();
  const args = ['--store', cluster.url(`/sy-netns-${process.pid}/`), '--dns', 'off', '--workers', '1', '--no-demo'];
  instances.push(...await Promise.all(lab.hosts.map(async (h) => startSwitchyard(args,
    { stateDir: mkdtempSync(join(tmpdir(), 'switchyard-state-')), nodeAddress: h.address, serviceCidr, adminPort: await freePort() },
    { netns: h.ns, adminHost: h.address, tokenFile }))));
}

test.after(async () => {
  for (const s of instances) { await s.stop().catch(() => {}); removeDir(s.stateDir); }
  for (const be of backends) await be.close();
  await cluster?.stop();
  lab?.close();
  if (work) removeDir(work);
});

test('each host binds the same ClusterIP; traffic through either instance reaches the same endpoints', async () => {
  const [a, b] = instances;
  const applied = await a.cli(['apply', '-f', '-'], manifest(backends));
  assert.is(applied.code, 0, applied.stderr);
  const svc = JSON.parse((await b.cli(['get', 'svc', 'web', '-o', 'json'])).stdout);
  nodePort = svc.spec.ports[0].nodePort;
  clusterIP = svc.spec.clusterIP;
  // Both data planes have every endpoint once a client's choice agrees through both, for all clients.
  const [ma] = await waitForValue('the same endpoints through A and B', async () => {
    const m = await Promise.all([mapping(a), mapping(b)]);
    return same(m[0], m[1]) && new Set(m[0].values()).size >= 2 ? m : undefined;
  });
  const seen = new Set(ma.values());
  assert.ok([...seen].every((n) => backends.some((be) => be.name === n)), [...seen].join());
  console.log(`  ${CLIENTS.length} clients over ${seen.size} of ${backends.length} endpoints, each client on the same one through A and B`);
  // A client on each host (127.0.0.1 there) through that host's own ClusterIP listener.
  const inA = await clusterIpFromInside(lab!.hosts[0].ns, 5);
  const inB = await clusterIpFromInside(lab!.hosts[1].ns, 5);
  assert.is(new Set(inA).size, 1, 'one client, one endpoint');
  assert.equal(inA, inB, 'the same endpoint on either host');
});

test('Maglev holds across instances; a Pod deleted through A changes B\'s traffic within a second, the same way as A\'s', async () => {
  const [a, b] = instances;
  const took: number[] = [];
  const victims: number[] = [];
  const others: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = await mapping(b);
    // The busiest endpoint goes: its clients must move, the others' must not.
    const counts = new Map<string, number>();
    for (const n of before.values()) if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    const victim = [...counts].sort((x, y) => y[1] - x[1])[0][0];
    const watched = [...before].find(([, n]) => n === victim)![0];
    const t0 = performance.now();
    const deleted = await api(a, 'DELETE', `/api/v1/namespaces/default/pods/${victim}`);
    assert.is(deleted.status, 200, JSON.stringify(deleted.body));
    let moved: string | undefined;
    for (let i = 0; i < 20_000 && performance.now() - t0 < 10_000; i++) {
      moved = await via(b, watched);
      if (moved !== undefined && moved !== victim) break;
    }
    const ms = performance.now() - t0;
    assert.ok(moved !== undefined && moved !== victim, `B still sends ${watched} to ${victim} ${Math.round(ms)} ms after the delete through A`);
    took.push(ms);
    // The deleted Pod's clients moved, the same way through both instances. Maglev may move a few
    // others as its table is refilled without the endpoint (bench/maglev-disruption.ts measures
    // how many); they are counted here, not forbidden.
    const afterB = await waitForValue('A and B agree after the change', async () => {
      const [x, y] = await Promise.all([mapping(a), mapping(b)]);
      return same(x, y) && ![...y.values()].includes(victim) ? y : undefined;
    });
    for (const [c, n] of before) if (n === victim) assert.is.not(afterB.get(c), victim, `${c} moved off ${victim}`);
    others.push([...before].filter(([c, n]) => n !== victim && afterB.get(c) !== n).length);
    victims.push(counts.get(victim)!);
    // Back through B, for the next round.
    const back = await b.cli(['apply', '-f', '-'], manifest(backends.filter((be) => be.name === victim)));
    assert.is(back.code, 0, back.stderr);
    await waitForValue('the Pod back in both data planes', async () => {
      const [x, y] = await Promise.all([mapping(a), mapping(b)]);
      return same(x, y) && same(x, before) ? true : undefined;
    });
  }
  const sorted = [...took].sort((x, y) => x - y);
  console.log(`  delete through A → B's traffic changed after ${took.map((t) => `${t.toFixed(1)} ms`).join(', ')} (median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms)`);
  console.log(`  clients moved per delete: the deleted Pod's ${victims.join(', ')}; others ${others.join(', ')} (of ${CLIENTS.length})`);
  // The issue asks for a second; the bound here is generous because the machine is shared.
  assert.ok(sorted[sorted.length - 1] < 5000, `${sorted[sorted.length - 1]} ms`);
});

test('everything the test made goes: processes by PID, namespaces, links, bridge', async () => {
  const pids = instances.map((s) => s.child.pid!);
  const names = lab!.hosts.map((h) => h.ns);
  for (const s of instances) assert.is(await s.stop(), 0, 'a clean stop');
  for (const be of backends.splice(0)) await be.close();
  const etcdPids = cluster!.pids();
  await cluster!.stop();
  cluster = undefined;
  lab!.close();
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  assert.equal([...pids, ...etcdPids].filter(alive), []);
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.equal(names.filter((n) => netns.includes(n)), []);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  const tag = process.pid.toString(36).padStart(5, '0');
  assert.not.match(links, new RegExp(`sw[bv]${tag}`));
  assert.not.match(execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }), new RegExp(lab!.bridgeAddress.replace(/\./g, '\\.')));
});

test.run();
