// Container → Pod mapping from Engine API JSON recorded from a real engine
// (test/fixtures/docker-engine, podman's Docker-compatible service running a compose project):
// names, labels, ports, both address modes, health states, the probe label; and the Docker shapes
// podman does not produce (null for an unpublished port, wildcard binds, no Health without a
// HEALTHCHECK), written as Docker's API documents them, on copies of the recorded JSON.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareObject } from '../../src/config/prepare-object.ts';
import { containerToPod, containerUid, type ContainerPod, type DockerPodOptions } from '../../src/discovery/docker-container-pod.ts';
import type { ContainerInspect } from '../../src/discovery/docker-engine-types.ts';
import { assignPodNames } from '../../src/discovery/docker-pod-names.ts';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { findPort } from '../../src/model/find-port.ts';
import type { Pod, Service } from '../../src/model/types.ts';

const inspect = (name: string): ContainerInspect =>
  JSON.parse(readFileSync(new URL(`../fixtures/docker-engine/inspect/${name}.json`, import.meta.url), 'utf8'));
const network: DockerPodOptions = { namespace: 'default', addressMode: 'network' };
const published: DockerPodOptions = { namespace: 'default', addressMode: 'published' };

function mapped(r: ContainerPod): { pod: Pod; problems: string[] } {
  if ('skipped' in r) throw new Error(`skipped: ${r.skipped}`);
  return r;
}
const hostPort = (c: ContainerInspect, key: string) => Number(c.NetworkSettings!.Ports![key]![0].HostPort);
const ip = (c: ContainerInspect, net: string) => c.NetworkSettings!.Networks![net].IPAddress;
const svc = (targetPort: number | string = 80, protocol: 'TCP' | 'UDP' = 'TCP'): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { clusterIP: '127.96.0.10', selector: { 'com.docker.compose.service': 'web' }, ports: [{ port: 80, targetPort, protocol }] },
});

test('a compose replica: labels, annotations, one port, network address, ready while running', () => {
  const c = inspect('shop_web_1');
  const { pod, problems } = mapped(containerToPod(c, 'shop-web-1', network));
  assert.is(pod.metadata.name, 'shop-web-1');
  assert.is(pod.metadata.namespace, 'default');
  assert.equal(pod.metadata.labels, {
    'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False', 'com.docker.compose.project': 'shop',
    'com.docker.compose.project.config_files': 'docker-compose.yml', 'com.docker.compose.service': 'web',
    'com.docker.compose.version': '1.29.2', tier: 'front',
  });
  const a = pod.metadata.annotations!;
  assert.is(a['com.docker.compose.config-hash'].length, 64, 'the 64-character hash is no label value');
  assert.is(a.owner, 'team/web', 'a value with / is no label value');
  assert.ok(a['com.docker.compose.project.working_dir'].startsWith('/'));
  assert.is(a['switchyard.io/docker-container-id'], c.Id);
  assert.is(a['switchyard.io/docker-container-name'], 'shop_web_1');
  assert.is(a['switchyard.io/discovered-by'], 'docker');
  assert.is(a['switchyard.io/host-ports'], undefined);
  assert.not.ok('bad key!' in a);
  assert.equal(problems, ['label "bad key!" is neither a valid Kubernetes label nor annotation key; it is left out (Services cannot select it)']);
  assert.equal(pod.spec.containers, [{ name: 'web', image: 'localhost/switchyard-test:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
  assert.is(pod.status!.podIP, ip(c, 'shop_default'));
  assert.equal(pod.status!.conditions, [{ type: 'Ready', status: 'True', reason: 'ContainerRunning' }]);
  assert.is(pod.metadata.uid, containerUid(c.Id));
  assert.match(pod.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.is(pod.metadata.creationTimestamp, new Date(c.Created!).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  assert.is(prepareObject(pod).status, 'ok', 'the Pod passes the same validation as an applied one');
});

test('published mode: the host address and port; targetPort 80 is still container port 80', () => {
  const c = inspect('shop_web_1');
  const { pod } = mapped(containerToPod(c, 'shop-web-1', published));
  assert.is(pod.status!.podIP, '127.0.0.1');
  assert.is(pod.metadata.annotations!['switchyard.io/host-ports'], 'true');
  assert.equal(pod.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', hostIP: '127.0.0.1', hostPort: hostPort(c, '80/tcp') }]);
  assert.is(findPort(pod, svc().spec.ports![0]), hostPort(c, '80/tcp'));
  assert.is(findPort(pod, svc(8080).spec.ports![0]), undefined, 'an unpublished container port offers no endpoint');
  const prepared = prepareObject(pod);
  assert.is(prepared.status, 'ok');
  const slices = computeEndpointSlices(svc(), [prepared.status === 'ok' ? prepared.object as Pod : pod], () => true);
  assert.equal(slices.map((s) => [s.endpoints![0].addresses, s.ports![0].port]), [[['127.0.0.1'], hostPort(c, '80/tcp')]]);
});

test('two replicas in published mode share 127.0.0.1 and differ by port: one slice each', () => {
  const pods = ['shop_web_1', 'shop_web_2'].map((n) => mapped(containerToPod(inspect(n), n.replace('_', '-'), published)).pod);
  const slices = computeEndpointSlices(svc(), pods, () => true);
  const endpoints = slices.map((s) => `${s.endpoints![0].addresses[0]}:${s.ports![0].port}`).sort();
  assert.equal(endpoints, [`127.0.0.1:${hostPort(inspect('shop_web_1'), '80/tcp')}`, `127.0.0.1:${hostPort(inspect('shop_web_2'), '80/tcp')}`].sort());
});

test('a port published on every address (HostIp "") is reached on 127.0.0.1', () => {
  const c = inspect('shop_checked_1');
  const { pod } = mapped(containerToPod(c, 'shop-checked-1', published));
  assert.is(pod.status!.podIP, '127.0.0.1');
  assert.is(pod.spec.containers[0].ports![0].hostPort, hostPort(c, '80/tcp'));
});

test('HEALTHCHECK: ready only while healthy (healthy, starting, unhealthy as recorded and derived)', () => {
  const healthy = inspect('shop_checked_1');
  assert.is(healthy.State!.Health!.Status, 'healthy');
  assert.equal(mapped(containerToPod(healthy, 'x', network)).pod.status!.conditions, [{ type: 'Ready', status: 'True', reason: 'ContainerHealthy' }]);
  const sick = inspect('shop_sick_1');
  assert.is(sick.State!.Health!.Status, 'unhealthy');
  assert.equal(mapped(containerToPod(sick, 'x', network)).pod.status!.conditions,
    [{ type: 'Ready', status: 'False', reason: 'ContainerUnhealthy', message: 'the container\'s HEALTHCHECK reports unhealthy' }]);
  const starting = inspect('shop_checked_1');
  starting.State!.Health = { Status: 'starting', FailingStreak: 0 };
  assert.is(mapped(containerToPod(starting, 'x', network)).pod.status!.conditions![0].reason, 'HealthcheckStarting');
  const noHealthYet = inspect('shop_checked_1');
  delete noHealthYet.State!.Health;
  assert.is(mapped(containerToPod(noHealthYet, 'x', network)).pod.status!.conditions![0].status, 'False', 'a check that has not run yet is not healthy');
  const disabled = inspect('shop_sick_1');
  disabled.Config!.Healthcheck = { Test: ['NONE'] };
  assert.is(mapped(containerToPod(disabled, 'x', network)).pod.status!.conditions![0].status, 'True', 'HEALTHCHECK NONE turns an image\'s check off');
  const paused = inspect('shop_web_1');
  paused.State!.Paused = true;
  assert.is(mapped(containerToPod(paused, 'x', network)).pod.status!.conditions![0].reason, 'ContainerPaused');
});

test('the readiness-probe label becomes a readinessProbe, moved to the published port in published mode', () => {
  const c = inspect('shop_probed_1');
  const net = mapped(containerToPod(c, 'shop-probed-1', network)).pod;
  assert.equal(net.spec.containers[0].readinessProbe, { httpGet: { path: '/', port: 80 }, periodSeconds: 2 });
  assert.equal(net.spec.containers[0].ports, [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 80, protocol: 'TCP' }]);
  const pub = mapped(containerToPod(c, 'shop-probed-1', published)).pod;
  assert.equal(pub.spec.containers[0].readinessProbe, { httpGet: { path: '/', port: hostPort(c, '80/tcp') }, periodSeconds: 2 });
  assert.is(findPort(pub, { port: 53, protocol: 'UDP', targetPort: 53 }), hostPort(c, '53/udp'));
  assert.is(prepareObject(pub).status, 'ok');

  const bad = inspect('shop_probed_1');
  bad.Config!.Labels!['switchyard.io/readiness-probe'] = '{httpGet:';
  assert.match((containerToPod(bad, 'x', network) as { skipped: string }).skipped, /^label switchyard.io\/readiness-probe is not JSON/);
  const unpublished = inspect('shop_probed_1');
  unpublished.Config!.Labels!['switchyard.io/readiness-probe'] = '{"tcpSocket": {"port": 8080}}';
  assert.match((containerToPod(unpublished, 'x', published) as { skipped: string }).skipped, /probes port 8080, which the container does not publish/);
  assert.equal(mapped(containerToPod(unpublished, 'x', network)).pod.spec.containers[0].readinessProbe, { tcpSocket: { port: 8080 } });
});

test('several networks: the first by name, or --docker-network; a container on none is skipped', () => {
  const c = inspect('shop_multi_1');
  assert.is(mapped(containerToPod(c, 'm', network)).pod.status!.podIP, ip(c, 'shop_back'));
  assert.is(mapped(containerToPod(c, 'm', { ...network, network: 'shop_front' })).pod.status!.podIP, ip(c, 'shop_front'));
  assert.equal(containerToPod(c, 'm', { ...network, network: 'other' }), { skipped: 'it is not on network other (--docker-network); it is on shop_back, shop_front' });
  assert.equal(containerToPod(c, 'm', published), { skipped: 'it publishes no port; publish one (ports: ["127.0.0.1::80"]) or use --docker-address network' });
  const none = inspect('shop_worker_1');
  assert.equal(containerToPod(none, 'w', network), { skipped: 'it is on no network (network mode none); attach it to one or use --docker-address published' });
});

test('Docker shapes: null for an unpublished port, 0.0.0.0 and :: binds, host network', () => {
  const c = inspect('shop_web_1');
  c.Config!.ExposedPorts = { '80/tcp': {}, '443/tcp': {} };
  c.NetworkSettings!.Ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }], '443/tcp': null };
  const { pod, problems } = mapped(containerToPod(c, 'w', published));
  assert.is(pod.status!.podIP, '127.0.0.1');
  assert.equal(pod.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', hostIP: '127.0.0.1', hostPort: 32768 }, { containerPort: 443, protocol: 'TCP' }]);
  assert.match(problems.join('\n'), 'container port 443/TCP is not published on 127.0.0.1');

  const v6 = inspect('shop_web_1');
  v6.NetworkSettings!.Ports = { '80/tcp': [{ HostIp: '::', HostPort: '32770' }] };
  assert.is(mapped(containerToPod(v6, 'w', published)).pod.status!.podIP, '::1');

  const host = inspect('shop_web_1');
  host.HostConfig = { NetworkMode: 'host' };
  host.NetworkSettings!.Networks = {};
  for (const opts of [network, published]) {
    const p = mapped(containerToPod(host, 'h', opts)).pod;
    assert.is(p.status!.podIP, '127.0.0.1');
    assert.is(p.metadata.annotations!['switchyard.io/host-ports'], undefined);
    assert.is(findPort(p, svc().spec.ports![0]), 80);
  }
});

test('names: compose v1 names made Pod names; a clash keeps the older container on the plain name', () => {
  const containers = ['Shop-Web-1', 'shop_web_1', 'shop_web_2'].map(inspect);
  const input = containers.map((c) => ({ id: c.Id, name: c.Name!.slice(1), created: c.Created! }));
  const names = assignPodNames(input, () => false);
  const [renamed, web1, web2] = containers;
  assert.ok(renamed.Created! < web1.Created!, 'the recording created Shop-Web-1 first');
  assert.is(names.get(renamed.Id), 'shop-web-1');
  assert.is(names.get(web1.Id), `shop-web-1-${web1.Id.slice(0, 12)}`);
  assert.is(names.get(web2.Id), 'shop-web-2');
  assert.equal(assignPodNames([...input].reverse(), () => false), names, 'the same names whatever the listing order');
  assert.is(assignPodNames(input, (n) => n === 'shop-web-2').get(web2.Id), `shop-web-2-${web2.Id.slice(0, 12)}`, 'a name taken by an applied Pod');
  for (const c of containers) assert.is(prepareObject(mapped(containerToPod(c, names.get(c.Id)!, network)).pod).status, 'ok');
});

test.run();
