// @kubernetes/client-node against a real admin server and registry on SQLite: informers (list +
// watch) on Services and EndpointSlices stay in sync through 200 changes, through a restart of
// switchyard (resuming from their last resourceVersion out of the stored history, or re-listing
// after 410 Expired when that history was compacted), and watches that ask for bookmarks get them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, KubeConfig, makeInformer, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startAdminServer, type AdminServer } from '../../src/admin/admin-server.ts';
import { kubeconfig } from '../../src/cli/kubeconfig.ts';
import { createRegistry, type Registry } from '../../src/control/registry.ts';
import type { HistoryLimits } from '../../src/store/store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-client-node-'));
let registry: Registry;
let admin: AdminServer;
let port = 0;

async function start(history?: Partial<HistoryLimits>): Promise<void> {
  registry = await createRegistry({ store: await openSqliteStore(join(dir, 'state'), { history }) });
  admin = await startAdminServer({ control: registry, host: '127.0.0.1', port, log: () => {}, watch: { bookmarkIntervalMs: 200 } });
  port = admin.port;
}

async function stop(): Promise<void> {
  await admin.close();
  await registry.close();
}

function client(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(stringify(kubeconfig(`http://127.0.0.1:${port}`)));
  return kc;
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const service = (i: number, port: number) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default', labels: { round: String(port) } },
  spec: { selector: { app: `app-${i % 5}` }, ports: [{ port, targetPort: 8080 }] },
});
const pod = (i: number) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: `app-${i % 5}` } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
  status: { podIP: `127.0.90.${i + 1}` },
});

/** name → resourceVersion of what the server publishes now. */
function published(kind: 'Service' | 'EndpointSlice'): Map<string, string> {
  return new Map(registry.published.list(kind, 'default').map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
}
const cached = (objs: readonly KubernetesObject[]) => new Map(objs.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
const same = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** 200 changes: creates, updates, Pods that move endpoints, deletes; the store numbers each. */
async function churn(round: number): Promise<number> {
  const before = registry.published.revision();
  let writes = 0;
  for (let i = 0; i < 10; i++) { await registry.apply(service(i, 80 + round)); writes++; }
  for (let i = 0; i < 10; i++) { await registry.apply(pod(i)); writes++; }
  for (let step = 0; writes < 200; step++) {
    const i = step % 10;
    if (step % 3 === 2) await registry.delete('Pod', 'default', `pod-${i}`).catch(() => undefined);
    else if (step % 3 === 1) await registry.apply(pod(i));
    else await registry.apply(service(i, 1000 + step));
    writes++;
  }
  return registry.published.revision() - before;
}

test.before(async () => { await start(); });
test.after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

test('Service and EndpointSlice informers stay in sync through 200 changes and a restart', async () => {
  const kc = client();
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const services = makeInformer(kc, '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
  const slices = makeInformer(kc, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', () => discovery.listNamespacedEndpointSlice({ namespace: 'default' }));
  const errors: unknown[] = [];
  let deletes = 0;
  let done = false;
  for (const inf of [services, slices]) {
    // What client-node's documentation asks of its users: restart an informer that reported an error.
    inf.on('error', (err) => { errors.push(err); setTimeout(() => { if (!done) inf.start().catch(() => undefined); }, 100); });
  }
  slices.on('delete', () => { deletes++; });
  await services.start();
  await slices.start();
  try {
    const numbered = await churn(1);
    assert.ok(numbered >= 200, `every change numbered (${numbered})`);
    await until('the Service informer to match the server', () => same(cached(services.list()), published('Service')));
    await until('the EndpointSlice informer to match the server', () => same(cached(slices.list()), published('EndpointSlice')));
    assert.ok(deletes > 0, 'slices emptied and refilled as Pods came and went');

    // A restart: the informers' watches break, they come back from their last resourceVersion,
    // which the stored history still reaches, and see what changed since.
    await stop();
    await start();
    await churn(2);
    await until('the Service informer after the restart', () => same(cached(services.list()), published('Service')));
    await until('the EndpointSlice informer after the restart', () => same(cached(slices.list()), published('EndpointSlice')));
    assert.ok(errors.length > 0, 'the informers saw the server go away');
  } finally {
    done = true;
    await services.stop();
    await slices.stop();
  }
});

test('an informer whose resourceVersion was compacted away re-lists after 410 Expired', async () => {
  const kc = client();
  const core = kc.makeApiClient(CoreV1Api);
  const services = makeInformer(kc, '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
  let relists = 0;
  let done = false;
  services.on('connect', () => { relists++; });
  services.on('error', () => { setTimeout(() => { if (!done) services.start().catch(() => undefined); }, 100); });
  await services.start();
  try {
    await until('the first sync', () => same(cached(services.list()), published('Service')));
    // Down, then up with a history of 20 changes only: the informer's version is too old now.
    await stop();
    await start({ keepMs: 0, minChanges: 20, maxChanges: 20 });
    await churn(3);
    const expired = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/services?watch=1&resourceVersion=1`);
    const line = JSON.parse((await expired.text()).split('\n')[0]);
    assert.equal([line.type, line.object.code, line.object.reason], ['ERROR', 410, 'Expired']);
    await until('the informer to re-list and match', () => same(cached(services.list()), published('Service')));
    assert.ok(relists >= 2, 'it connected again');
  } finally {
    done = true;
    await services.stop();
  }
});

test('a watch that allows bookmarks gets them, with the current resourceVersion', async () => {
  const kc = client();
  const events: { type: string; rv: string }[] = [];
  const rv = String(registry.published.revision());
  const controller = await new Watch(kc).watch('/api/v1/namespaces/default/services', { allowWatchBookmarks: true, resourceVersion: rv },
    (type, obj) => { events.push({ type, rv: obj?.metadata?.resourceVersion }); }, () => undefined);
  try {
    await until('two bookmarks', () => events.filter((e) => e.type === 'BOOKMARK').length >= 2);
    await registry.apply(service(99, 99));
    await until('the change and a later bookmark', () => {
      const at = events.findIndex((e) => e.type === 'ADDED');
      return at >= 0 && events.slice(at).some((e) => e.type === 'BOOKMARK');
    });
    const added = events.find((e) => e.type === 'ADDED')!;
    const after = events.slice(events.indexOf(added)).find((e) => e.type === 'BOOKMARK')!;
    assert.is(after.rv, String(registry.published.revision()));
    assert.ok(Number(after.rv) >= Number(added.rv));
    // Without allowWatchBookmarks, none (kubectl would print one as a row).
    const plain = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/services?watch=1&resourceVersion=${registry.published.revision()}&timeoutSeconds=1`);
    assert.is(await plain.text(), '');
  } finally {
    controller.abort();
  }
});

test.run();
