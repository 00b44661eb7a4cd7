// What a shared etcd store costs against the embedded SQLite one, measured side by side in
// interleaved rounds: the latency of an apply (a Service created through the registry, committed
// and acknowledged), and the propagation of an endpoint change (a Pod applied through instance A
// until instance B's endpoints — what its data plane is programmed from — contain it; with SQLite
// there is one instance, so it is the time until that instance's own endpoints change). etcd is a
// 3-member cluster on loopback (Debian etcd-server), started here and stopped by PID.
// Run: node_modules/.bin/node bench/store-cost.ts [rounds] [appliesPerRound]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type Registry } from '../src/control/registry.ts';
import { parseEtcdUrl } from '../src/store/etcd-connection.ts';
import { openEtcdStore } from '../src/store/etcd-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { startEtcdCluster } from '../test/helpers/etcd-cluster.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const PER_ROUND = Number(process.argv[3] ?? 50);
const CIDR = '127.99.0.0/16';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function applies(reg: Registry, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const t0 = performance.now();
    await reg.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${tag}-${i}` }, spec: { ports: [{ port: 80 }] } });
    out.push(performance.now() - t0);
  }
  return out;
}

/** Applies Pods through `a` and times until `b`'s endpoints for Service web contain each. */
async function propagation(a: Registry, b: Registry, tag: string): Promise<number[]> {
  await a.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: `web-${tag}` }, spec: { selector: { app: tag }, ports: [{ port: 80, targetPort: 8080 }] } });
  const out: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const ip = `10.1.${Math.floor(i / 250)}.${1 + (i % 250)}`;
    const seen = new Promise<void>((resolve) => {
      const check = () => {
        if (JSON.stringify(b.serviceSlices('default', `web-${tag}`)).includes(`"${ip}"`)) { off(); resolve(); }
      };
      const off = b.subscribe(check);
      check();
    });
    const t0 = performance.now();
    await a.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${tag}-${i}`, labels: { app: tag } }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] } });
    await seen;
    out.push(performance.now() - t0);
  }
  return out;
}

const cluster = await startEtcdCluster();
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const results = { sqliteApply: [] as number[], etcdApply: [] as number[], sqliteProp: [] as number[], etcdProp: [] as number[] };
try {
  const sqlite = await createRegistry({ store: await openSqliteStore(dir), serviceCidr: CIDR });
  const conn = parseEtcdUrl(cluster.url('/bench/'));
  const etcdA = await createRegistry({ store: await openEtcdStore(conn), serviceCidr: CIDR });
  const etcdB = await createRegistry({ store: await openEtcdStore(conn), serviceCidr: CIDR });
  for (let r = 0; r < ROUNDS; r++) {
    results.sqliteApply.push(...await applies(sqlite, `s${r}`));
    results.etcdApply.push(...await applies(etcdA, `e${r}`));
    results.sqliteProp.push(...await propagation(sqlite, sqlite, `s${r}`));
    results.etcdProp.push(...await propagation(etcdA, etcdB, `e${r}`));
  }
  for (const reg of [sqlite, etcdA, etcdB]) await reg.close();
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
const row = (name: string, xs: number[]) => console.log(`${name.padEnd(34)}${quantile(xs, 0.5).toFixed(2).padStart(8)} ${quantile(xs, 0.9).toFixed(2).padStart(8)} ${quantile(xs, 0.99).toFixed(2).padStart(8)}   (${xs.length})`);
console.log(`${'ms'.padEnd(34)}${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)}`);
row('apply, SQLite', results.sqliteApply);
row('apply, etcd (3 members)', results.etcdApply);
row('endpoint change, SQLite (same)', results.sqliteProp);
row('endpoint change, etcd (A to B)', results.etcdProp);
