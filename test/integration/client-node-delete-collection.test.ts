// `deletecollection` through a real `switchyard serve`, called the way applications call it: with
// @kubernetes/client-node's deleteCollectionNamespacedPod / ...Service. Only what the label
// selector (and namespace) names goes; a watch sees each one DELETED; a dry run deletes nothing;
// the Service's Endpoints drop the deleted Pods; the answer is the deleted objects in the list kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { kubeconfig } from '../../src/cli/kubeconfig.ts';
import { randomLoopback } from '../helpers/free-port.ts';
import { removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

let sy: SwitchyardProcess;
let core: CoreV1Api;
let kc: KubeConfig;
const ips = new Map<string, string>();

const pod = (name: string, namespace: string, labels: Record<string, string>) => {
  const ip = randomLoopback();
  ips.set(`${namespace}/${name}`, ip);
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] }, status: { podIP: ip },
  };
};
const service = (name: string, labels: Record<string, string> = {}, selector?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80, targetPort: 8080 }] },
});

const names = (items: { metadata?: { name?: string } }[]) => items.map((o) => o.metadata!.name!).sort();
const podNames = async (namespace: string) => names((await core.listNamespacedPod({ namespace })).items);

async function endpointIps(): Promise<string[]> {
  const ep = await core.readNamespacedEndpoints({ namespace: 'default', name: 'web' });
  return (ep.subsets ?? []).flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip)).sort();
}
const ipsOf = (...keys: string[]) => keys.map((k) => ips.get(k)!).sort();

test.before(async () => {
  sy = await startSwitchyard();
  kc = new KubeConfig();
  kc.loadFromString(stringify(kubeconfig(sy.url)));
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } } });
  await core.createNamespacedService({ namespace: 'default', body: service('web', {}, { app: 'web' }) });
  for (const [name, track] of [['web-1', 'canary'], ['web-2', 'canary'], ['web-3', 'stable'], ['web-4', 'stable']]) {
    await core.createNamespacedPod({ namespace: 'default', body: pod(name, 'default', { app: 'web', track }) });
  }
  await core.createNamespacedPod({ namespace: 'other', body: pod('web-1', 'other', { app: 'web', track: 'canary' }) });
  await waitFor('the Endpoints of web to list the four Pods', async () =>
    JSON.stringify(await endpointIps()) === JSON.stringify(ipsOf('default/web-1', 'default/web-2', 'default/web-3', 'default/web-4')));
});

test.after(async () => {
  if (sy) {
    await sy.stop();
    removeDir(sy.stateDir);
  }
});

test('deleteCollectionNamespacedPod: a dry run deletes nothing, then only the selected Pods go', async () => {
  const events: string[] = [];
  const watching = await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: (await core.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion },
    (type, obj) => { events.push(`${type} ${obj.metadata.name}`); }, () => undefined);
  try {
    const dry = await core.deleteCollectionNamespacedPod({ namespace: 'default', labelSelector: 'track=canary', dryRun: 'All' });
    assert.is(dry.kind, 'PodList');
    assert.equal(await podNames('default'), ['web-1', 'web-2', 'web-3', 'web-4']);

    const done = await core.deleteCollectionNamespacedPod({ namespace: 'default', labelSelector: 'track=canary', propagationPolicy: 'Background' });
    assert.is(done.kind, 'PodList');
    assert.equal(await podNames('default'), ['web-3', 'web-4']);
    assert.equal(await podNames('other'), ['web-1'], 'another namespace is untouched');
    await waitFor('the watch to see both deletes', async () => events.filter((e) => e.startsWith('DELETED')).length === 2);
    // (The health loop may publish Pod status changes meanwhile: MODIFIED events are not counted.)
    assert.equal(events.filter((e) => !e.startsWith('MODIFIED')).sort(), ['DELETED web-1', 'DELETED web-2'], 'the two deletes, none for the dry run');
    await waitFor('the Endpoints of web to drop the deleted Pods', async () =>
      JSON.stringify(await endpointIps()) === JSON.stringify(ipsOf('default/web-3', 'default/web-4')));
  } finally {
    watching.abort();
  }
});

test('deleteCollectionNamespacedService deletes the labelled Services only', async () => {
  for (const [name, labels] of [['tmp-a', { tier: 'tmp' }], ['tmp-b', { tier: 'tmp' }], ['keep', { tier: 'prod' }]] as const) {
    await core.createNamespacedService({ namespace: 'default', body: service(name, labels) });
  }
  const services = async () => names((await core.listNamespacedService({ namespace: 'default' })).items);
  await core.deleteCollectionNamespacedService({ namespace: 'default', labelSelector: 'tier=tmp', dryRun: 'All' });
  assert.equal(await services(), ['keep', 'tmp-a', 'tmp-b', 'web']);
  await core.deleteCollectionNamespacedService({ namespace: 'default', labelSelector: 'tier=tmp' });
  assert.equal(await services(), ['keep', 'web']);
  // Their ClusterIPs are free again, as after single deletes: the names can come back at once.
  await core.createNamespacedService({ namespace: 'default', body: service('tmp-a', { tier: 'tmp' }) });
});

test('the answer lists the deleted objects; kubectl\'s body form and field selectors work; no DELETE across namespaces', async () => {
  const res = await fetch(`${sy.url}/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb-3`, {
    method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ propagationPolicy: 'Background', dryRun: ['All'] }),
  });
  assert.is(res.status, 200);
  const list = await res.json() as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
  assert.equal([list.kind, list.apiVersion, list.items.map((i) => i.metadata.name)], ['PodList', 'v1', ['web-3']]);
  assert.ok(Number(list.metadata.resourceVersion) > 0);
  assert.equal(await podNames('default'), ['web-3', 'web-4']);

  const all = await fetch(`${sy.url}/api/v1/pods`, { method: 'DELETE' });
  assert.is(all.status, 405);
  assert.is(all.headers.get('allow'), 'GET, HEAD');
  await all.text();
  assert.equal(await podNames('other'), ['web-1']);

  // Nothing selected: an empty list, 200.
  const none = await fetch(`${sy.url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=nothing%3Dhere`, { method: 'DELETE' });
  assert.is(none.status, 200);
  const empty = await none.json() as { kind: string; items: unknown[] };
  assert.equal([empty.kind, empty.items], ['EndpointSliceList', []]);
});

test.run();
