// Two switchyard processes on one real 3-member etcd cluster, acting as one: 200 Services created
// concurrently through both get 200 distinct ClusterIPs and NodePort sets; a change made through A
// reaches B's data plane (traffic through B's NodePort); losing etcd's quorum makes both report not
// ready while B keeps serving, and they recover; the Lease in kube-system names the leader
// (switchyard and kubectl get/describe); kill -9 of the leader lets the other take over and compute
// endpoints, starting from the readiness the old one published (no probed Pod taken out); a
// restarted instance catches up. Every process is stopped by PID.
// Both run in this one network namespace (the one-host-each case is test/e2e/multi-host-netns), so
// they cannot both hold a ClusterIP: whichever binds first owns it, the other reports
// FailedToBindPort and retries (exclusive port ownership). The test checks that on one Service and
// sends its traffic through NodePorts, each instance on its own --node-address; the 200 Services
// are deleted once counted, so that the two do not go on retrying 400 addresses against each other.
import { Agent, fetch } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.ts';
import { freePort, randomLoopback } from '../helpers/free-port.ts';
import { kubectlRunner } from '../helpers/kubectl.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { connectAndGreet, startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { waitForValue } from '../helpers/wait-for.ts';

let cluster: EtcdCluster;
let work = '';
let kubeconfig = '';
const kubectl = kubectlRunner(() => kubeconfig, () => work);
let a: SwitchyardProcess;
let b: SwitchyardProcess;
const backends: TcpBackend[] = [];
const TTL = 2;

/** waitForValue for checks that answer false (or any falsy value) while the state is not there yet. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> =>
  waitForValue(what, async () => (await fn()) || undefined, ms);
// At most 32 connections per instance, as a client pool keeps them: the admin API closes idle
// connections of a client holding more than 64 (connection-guard.ts), and a connection undici has
// opened but not yet sent its request on is idle to it.
const agent = new Agent({ connections: 32 });
const api = async (s: SwitchyardProcess, method: string, path: string, body?: unknown) => {
  const r = await fetch(`${s.url}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined, dispatcher: agent })
    .catch((err) => { throw new Error(`${method} ${path}: ${err.message} (${err.cause?.code ?? err.cause?.message})`); });
  return { status: r.status, body: await r.json().catch(() => undefined) as Record<string, any> };
};
const pod = (name: string, be: TcpBackend, readinessProbe?: unknown) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: be.port }], ...(readinessProbe ? { readinessProbe } : {}) }] },
  status: { podIP: be.ip, conditions: [{ type: 'Ready', status: 'True' }] },
});
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/switchyard-controller';
const leaderOf = (s: SwitchyardProcess) => s.output().lastIndexOf(`-${s.child.pid} now leads`) > s.output().lastIndexOf(`-${s.child.pid} no longer leads`);
/** The ready and not-ready addresses (ip:port) of the web Service's Endpoints, as `s` serves them. */
const webEndpoints = async (s: SwitchyardProcess) => {
  const subsets = ((await api(s, 'GET', '/api/v1/namespaces/default/endpoints/web')).body?.subsets ?? []) as any[];
  const list = (k: string) => subsets.flatMap((ss) => (ss[k] ?? []).flatMap((a: { ip: string }) => ss.ports.map((p: { port: number }) => `${a.ip}:${p.port}`)));
  return { ready: list('addresses'), notReady: list('notReadyAddresses') };
};
const greetingVia = async (s: SwitchyardProcess, nodePort: number) => {
  try {
    const { socket, name } = await connectAndGreet(s.nodeAddress, nodePort, 2000);
    socket.destroy();
    return name;
  } catch { return undefined; }
};

test.before(async () => {
  cluster = await startEtcdCluster();
  const prefix = `/sy-multi-${process.pid}/`;
  const args = ['--store', cluster.url(prefix), '--leader-elect-lease-duration', String(TTL), '--dns', 'off', '--no-default-probe', '--workers', '1'];
  a = await startSwitchyard(args);
  b = await startSwitchyard(args, { stateDir: mkdtempSync(join(tmpdir(), 'switchyard-state-')), nodeAddress: randomLoopback(), serviceCidr: a.serviceCidr, adminPort: await freePort() });
  for (const n of ['b1', 'b2', 'b3', 'b4']) backends.push(await startTcpBackend(n, '127.0.0.1'));
  work = mkdtempSync(join(tmpdir(), 'sy-multi-'));
});

test.after(async () => {
  for (const s of [a, b]) { await s?.stop(); if (s) removeDir(s.stateDir); }
  for (const be of backends) await be.close();
  await cluster?.stop();
  await agent.close();
  if (work) removeDir(work);
});

test('200 Services created at once through both instances: 200 ClusterIPs, distinct NodePorts', async () => {
  const creates = Array.from({ length: 200 }, (_, i) => api(i % 2 ? b : a, 'POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}` },
    spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] },
  }));
  const results = await Promise.all(creates);
  assert.equal(results.filter((r) => r.status !== 201).map((r) => r.body?.message), []);
  for (const s of [a, b]) {
    // Each instance lists what its etcd watch delivered: 200 commits by two writers at once take a
    // while on a loaded machine.
    let seen = 0;
    const list = await until(`${s === a ? 'A' : 'B'} to list all 200`, async () => {
      const l = (await api(s, 'GET', '/api/v1/namespaces/default/services')).body.items as any[];
      seen = l.filter((x) => x.metadata.name.startsWith('svc-')).length;
      return seen === 200 && l;
    }, 60_000).catch((e: Error) => { throw new Error(`${e.message} (it lists ${seen}; its log:\n${s.output().slice(-3000)})`); });
    const svcs = list.filter((x) => x.metadata.name.startsWith('svc-'));
    assert.is(new Set(svcs.map((x) => x.spec.clusterIP)).size, 200, 'distinct ClusterIPs');
    const ports = svcs.flatMap((x) => x.spec.ports.map((p: { nodePort: number }) => p.nodePort));
    assert.is(new Set(ports).size, 400, 'distinct NodePorts');
  }
  const rvA = (await api(a, 'GET', '/api/v1/namespaces/default/services/svc-7')).body.metadata.resourceVersion;
  const rvB = (await api(b, 'GET', '/api/v1/namespaces/default/services/svc-7')).body.metadata.resourceVersion;
  assert.is(rvA, rvB, 'one resourceVersion, from etcd, on both');
  const deletes = await Promise.all(Array.from({ length: 200 }, (_, i) => api(i % 2 ? a : b, 'DELETE', `/api/v1/namespaces/default/services/svc-${i}`)));
  assert.equal(deletes.filter((r) => r.status !== 200).map((r) => r.body?.message), []);
  for (const s of [a, b]) {
    let left: string[] = [];
    let listRv = '';
    await until(`${s === a ? 'A' : 'B'} to list none`, async () => {
      const { body } = await api(s, 'GET', '/api/v1/namespaces/default/services');
      listRv = body.metadata.resourceVersion;
      left = (body.items as any[]).filter((x) => x.metadata.name.startsWith('svc-')).map((x) => x.metadata.name);
      return left.length === 0;
    }, 60_000).catch((e: Error) => { throw new Error(`${e.message} (it lists ${left.join(' ')} at revision ${listRv}; its log:\n${s.output().slice(-3000)})`); });
  }
});

/** The bind failures an instance reports for `listener`, from its /metrics (0 when none). */
const bindFailures = async (s: SwitchyardProcess, listener: string) => {
  const m = parsePrometheusText(await (await fetch(`${s.url}/metrics`)).text());
  try { return sampleValue(m, 'switchyard_listener_bind_failures', { listener, reason: 'FailedToBindPort' }); } catch { return 0; }
};

let nodePort = 0;

test('a change made through A reaches B\'s data plane', async () => {
  const created = await api(a, 'POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  });
  nodePort = created.body.spec.ports[0].nodePort;
  const clusterIP: string = created.body.spec.clusterIP;
  assert.is((await api(a, 'POST', '/api/v1/namespaces/default/pods', pod('p1', backends[0]))).status, 201);
  await until('B sends to b1', async () => (await greetingVia(b, nodePort)) === 'b1');
  // One network namespace, one owner of the ClusterIP: it serves, the other says the port is taken.
  const listener = `${clusterIP}:80/TCP`;
  // (Both may fail a first bind racing each other, then either takes it on a retry.)
  await until('one instance serves the ClusterIP, the other reports it taken', async () => {
    if (((await bindFailures(a, listener)) > 0) === ((await bindFailures(b, listener)) > 0)) return false;
    try {
      const { socket, name } = await connectAndGreet(clusterIP, 80, 2000);
      socket.destroy();
      return name === 'b1';
    } catch { return false; }
  });
  await api(a, 'POST', '/api/v1/namespaces/default/pods', pod('p2', backends[1]));
  await api(a, 'DELETE', '/api/v1/namespaces/default/pods/p1');
  await until('B sends to b2 only', async () => {
    const seen = new Set([await greetingVia(b, nodePort), await greetingVia(b, nodePort), await greetingVia(b, nodePort)]);
    return seen.size === 1 && seen.has('b2');
  });
  let seenByA: (string | undefined)[] = [];
  await until('A sends to b2 only', async () => {
    seenByA = [await greetingVia(a, nodePort), await greetingVia(a, nodePort), await greetingVia(a, nodePort)];
    return seenByA.every((g) => g === 'b2');
  }).catch((e: Error) => { throw new Error(`${e.message} (last seen: ${JSON.stringify(seenByA)}); A's log:\n${a.output().slice(-3000)}`); });
});

test('who leads: the Lease in kube-system, through either instance, with switchyard get/describe and kubectl', async () => {
  const leader = await until('a leader', () => (leaderOf(a) ? a : leaderOf(b) ? b : undefined));
  const holder = `-${leader.child.pid}`;
  for (const s of [a, b]) {
    await until('the Lease names the leader', async () => (await api(s, 'GET', LEASE)).body?.spec?.holderIdentity?.endsWith(holder));
  }
  const lease = (await api(b, 'GET', LEASE)).body;
  assert.is(lease.spec.leaseDurationSeconds, TTL);
  assert.match(lease.spec.acquireTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.is(typeof lease.spec.leaseTransitions, 'number');
  await until('renewals show', async () => (await api(a, 'GET', LEASE)).body.spec.renewTime > lease.spec.renewTime);
  const writes = await api(a, 'DELETE', LEASE);
  assert.is(writes.status, 405, 'read-only: the election is the lock');

  const get = await b.cli(['get', 'leases', '-n', 'kube-system']);
  assert.is(get.code, 0, get.stderr);
  const [header, row] = get.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
  assert.equal(header, ['NAME', 'HOLDER', 'AGE']);
  assert.equal(row.slice(0, 2), ['switchyard-controller', lease.spec.holderIdentity]);
  kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, (await b.cli(['kubeconfig'])).stdout);
  const kget = await kubectl(['get', 'leases', '-n', 'kube-system']);
  assert.is(kget.code, 0, kget.stderr);
  assert.equal(kget.stdout.trim().split('\n')[1].trim().split(/\s{2,}/).slice(0, 2), ['switchyard-controller', lease.spec.holderIdentity]);
  // describe: kubectl's generic describer, the same text from both (renewals move two fields).
  const steady = (t: string) => t.replace(/(Renew Time|Resource Version):( +)\S+/g, '$1:$2-');
  const mine = await b.cli(['describe', 'lease', 'switchyard-controller', '-n', 'kube-system']);
  const theirs = await kubectl(['describe', 'lease', 'switchyard-controller', '-n', 'kube-system']);
  assert.is(theirs.code, 0, theirs.stderr);
  assert.match(mine.stdout, new RegExp(`Holder Identity: +${lease.spec.holderIdentity}\n`));
  assert.is(steady(mine.stdout), steady(theirs.stdout));
});

test('without an etcd quorum both report not ready (/readyz, top, the status page) and keep serving; they recover', async () => {
  const down = [1, 2];
  for (const m of down) await cluster.kill9(m);
  try {
    for (const s of [a, b]) await until('not ready', async () => (await fetch(`${s.url}/readyz`)).status === 503);
    // And it stays so while the majority is away (the client's reconnects to the one member left
    // are no contact with etcd): sampled for 3 s.
    const samples: string[] = [];
    for (const end = Date.now() + 3000; Date.now() < end;) {
      for (const [name, s] of [['A', a], ['B', b]] as const) {
        const r = await fetch(`${s.url}/readyz`);
        samples.push(`${name} ${r.status} ${await r.text()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(samples.filter((l) => !/^[AB] 503 /.test(l)), [], 'not ready throughout');
    assert.match(await (await fetch(`${b.url}/readyz`)).text(), /etcd .* unreachable/);
    const top = await b.cli(['top', '--once']);
    assert.ok(/\nNOT READY: etcd [^\n]* unreachable for \d+ s[^\n]*; serving the last known state of revision \d+\n/.test(top.stdout), JSON.stringify(top));
    assert.match(await (await fetch(`${b.url}/`)).text(), /data-testid="not-ready">Not ready: etcd [^<]* unreachable/);
    assert.is(await greetingVia(b, nodePort), 'b2', 'the last known state is served');
    for (const m of down.splice(0)) await cluster.restart(m);
  } finally {
    // A failed check must not leave the cluster without a quorum for the tests after it.
    for (const m of down) await cluster.restart(m).catch(() => {});
  }
  for (const s of [a, b]) await until('ready again', async () => (await fetch(`${s.url}/readyz`)).status === 200, 30_000);
  assert.not.match((await b.cli(['top', '--once'])).stdout, /NOT READY/);
});

test('kill -9 of the leader: the other takes over from its published readiness and computes endpoints; the restarted one catches up', async () => {
  const leader = await until('a leader', () => (leaderOf(a) ? a : leaderOf(b) ? b : undefined));
  const other = leader === a ? b : a;
  // A Pod with a readinessProbe the old leader has seen pass: the new leader must not publish it
  // not ready (until its own first probe) when it takes over.
  const probed = `127.0.0.1:${backends[3].port}`;
  await api(leader, 'POST', '/api/v1/namespaces/default/pods', pod('p4', backends[3], { tcpSocket: { port: 'http' }, periodSeconds: 1 }));
  await until('p4 ready', async () => (await webEndpoints(other)).ready.includes(probed));
  const rvBefore = (await api(other, 'GET', '/api/v1/namespaces/default/endpoints')).body.metadata.resourceVersion;
  const before = (await api(other, 'GET', LEASE)).body.spec;
  const killedAt = Date.now();
  await leader.kill9();
  await api(other, 'POST', '/api/v1/namespaces/default/pods', pod('p3', backends[2]));
  await until('the survivor publishes endpoints with p3', async () => {
    const eps = (await api(other, 'GET', '/api/v1/namespaces/default/endpoints/web')).body;
    return JSON.stringify(eps?.subsets ?? []).includes(`"port":${backends[2].port}`);
  }, TTL * 1000 * 5).catch((e) => { console.log(`survivor:
${other.output().slice(-2000)}`); throw e; });
  const tookMs = Date.now() - killedAt;
  assert.ok(leaderOf(other), 'the survivor leads');
  // Every version of the web Endpoints since before the kill, from the watch history.
  const history = await fetch(`${other.url}/api/v1/namespaces/default/endpoints?watch=1&timeoutSeconds=1&resourceVersion=${rvBefore}&fieldSelector=metadata.name%3Dweb`, { dispatcher: agent });
  const versions = (await history.text()).trim().split('\n').map((l) => JSON.parse(l).object);
  assert.ok(versions.length > 0);
  const outs = versions.flatMap((ep: any) => (ep.subsets ?? []).flatMap((ss: any) => (ss.notReadyAddresses ?? []).map((x: { ip: string }) => `${x.ip}:${ss.ports[0].port}`)));
  assert.equal(outs, [], 'no probed Pod taken out by the takeover, not even for a moment');
  const after = (await api(other, 'GET', LEASE)).body.spec;
  assert.ok(after.holderIdentity.endsWith(`-${other.child.pid}`), 'the Lease names the new leader');
  assert.is(after.leaseTransitions, before.leaseTransitions + 1);
  console.log(`  endpoints computed by the new leader ${tookMs} ms after kill -9 of the old one (lease TTL ${TTL} s)`);
  // The killed instance comes back and catches up with what changed while it was gone.
  await api(other, 'DELETE', '/api/v1/namespaces/default/pods/p2');
  await api(other, 'DELETE', '/api/v1/namespaces/default/pods/p4');
  const again = await leader.restart();
  if (leader === a) a = again; else b = again;
  await until('the restarted instance sends to b3', async () => {
    const seen = new Set([await greetingVia(again, nodePort), await greetingVia(again, nodePort)]);
    return seen.size === 1 && seen.has('b3');
  });
  const rv = async (s: SwitchyardProcess) => (await api(s, 'GET', '/api/v1/namespaces/default/pods')).body.metadata.resourceVersion;
  await until('the same list revision', async () => (await rv(again)) === (await rv(other)));
});

test.run();
