import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEndpointSlots } from '../../src/proxy/endpoint-slots.ts';
import { startHealthManager, type RunProbe } from '../../src/health/health-manager.ts';
import type { ProbeCheck } from '../../src/health/health-targets.ts';
import type { EndpointSlice, Pod, Probe, Service } from '../../src/model/types.ts';
import { createEndpointTable } from '../../src/shared/endpoint-table.ts';
import { EJECTED } from '../../src/shared/slot-state.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { memoryRegistry } from '../helpers/memory-registry.ts';

const DEFAULT_PROBE = { enabled: true, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 };

function backendPod(name: string, ip: string, probe?: Probe): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }], ...(probe ? { readinessProbe: probe } : {}) }] },
    status: { phase: 'Running', podIP: ip },
  };
}

const web: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }] },
};

/** Probe results by `host:port` (or the exec command), switchable during the test. */
function fakeProbes() {
  const healthy = new Map<string, boolean>();
  const calls: { what: string; at: number }[] = [];
  const what = (c: ProbeCheck) => c.type === 'tcp' ? `${c.host}:${c.port}` : c.type === 'http' ? `${c.spec.host}:${c.spec.port}${c.spec.path}` : c.type === 'exec' ? c.command.join(' ') : 'error';
  let clock: FakeClock | undefined;
  const run: RunProbe = async (check) => {
    const w = what(check);
    calls.push({ what: w, at: clock?.now() ?? 0 });
    const ok = healthy.get(w) ?? false;
    return ok ? { ok, message: '' } : { ok, message: `Readiness probe failed: dial tcp ${w}: connect: connection refused` };
  };
  return { healthy, calls, run, bind: (c: FakeClock) => { clock = c; } };
}

async function setup(opts: { defaultProbe?: typeof DEFAULT_PROBE } = {}) {
  const clock = new FakeClock();
  // The registry stamps creationTimestamp (initialDelaySeconds counts from it) with the same clock.
  const registry = await memoryRegistry({ clock: () => clock.now() });
  const probes = fakeProbes();
  probes.bind(clock);
  const slots = createEndpointSlots(createEndpointTable({ maxSlots: 64, maxServicePorts: 8, affinityEntries: 8 }));
  const logs: string[] = [];
  const start = (probing?: () => boolean) => {
    const health = startHealthManager({ probing,
      registry: registry.registry, slots, clock, random: () => 0, defaultProbe: opts.defaultProbe ?? DEFAULT_PROBE, maxConcurrent: 8,
      log: (_l, m) => logs.push(m), runProbe: (c, t, sig) => probes.run(c, t, sig), ejection: { consecutiveFailures: 3, intervalMs: 1000, baseEjectionMs: 5000 },
    });
    registry.registry.setReadiness(health);
    return health;
  };
  return { clock, registry, probes, slots, logs, start };
}

test('explicit readinessProbe: not ready until the first success, then kubelet thresholds', async () => {
  const { clock, registry, probes, start } = await setup();
  await registry.put(web);
  const probe: Probe = { httpGet: { port: 'http', path: '/healthz' }, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
  await registry.put(backendPod('a', '10.0.0.1', probe));
  const health = start();
  assert.is(health.podReady(registry.registry.list('Pod')[0] as Pod), false);
  probes.healthy.set('10.0.0.1:8080/healthz', true);
  await clock.advance(1);
  assert.is(health.podReady(registry.registry.list('Pod')[0] as Pod), true);
  assert.ok(registry.readinessCalls >= 1);
  assert.equal(registry.readyByIp('default', 'web'), { '10.0.0.1': true });
  probes.healthy.set('10.0.0.1:8080/healthz', false);
  await clock.advance(4_000);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.1'], true, 'two failures are below failureThreshold');
  await clock.advance(2_000);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.1'], false);
  const unhealthy = registry.events().filter((e) => e.reason === 'Unhealthy');
  // One per failed probe on the Pod (kubelet; the three repeats aggregated), one per transition on the Service.
  assert.equal(unhealthy.map((e) => [e.involved.kind, e.count]).sort(), [['Pod', 3], ['Service', 1]]);
  assert.is(unhealthy.find((e) => e.involved.kind === 'Pod')!.message, 'Readiness probe failed: dial tcp 10.0.0.1:8080/healthz: connect: connection refused');
  assert.is(unhealthy[0].type, 'Warning');
  probes.healthy.set('10.0.0.1:8080/healthz', true);
  await clock.advance(2_000);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.1'], true);
  assert.ok(registry.events().some((e) => e.reason === 'Ready' && e.type === 'Normal' && e.involved.kind === 'Pod'));
  await health.close();
  assert.is(clock.pending, 0);
});

test('a passive failure probes at once and every 0.5 s until settled: out of the endpoints 1 s later, not after 3 periods', async () => {
  const { clock, registry, probes, slots, start } = await setup({ defaultProbe: { ...DEFAULT_PROBE, periodSeconds: 10 } });
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1'));
  probes.healthy.set('10.0.0.1:8080', true);
  const health = start();
  slots.update(slots.allocServicePort(), [{ ip: '10.0.0.1', port: 8080, ready: true, serving: true, terminating: false, weight: 1, name: 'a' }]);
  await clock.advance(12_000);
  const before = probes.calls.length;
  probes.healthy.set('10.0.0.1:8080', false);
  slots.table.connectFailed(slots.slotOf('10.0.0.1', 8080)!);
  const failedAt = clock.now();
  // The passive loop (every 1 s in this setup) sees it, then probes at once and every 0.5 s.
  await clock.advance(1_000 + 1_000 + 1);
  const fast = probes.calls.slice(before).map((c) => c.at - failedAt);
  assert.equal(fast, [1_000, 1_500, 2_000]);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.1'], false);
  // Settled (not ready after failureThreshold): back to the 10 s period.
  await clock.advance(9_000);
  assert.is(probes.calls.length - before, 3);
  await health.close();
});

test('a probe this machine could not run (EMFILE) is not counted against the endpoint', async () => {
  const { clock, registry, probes, start } = await setup();
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1'));
  const health = start();
  probes.run = async () => ({ ok: false, inconclusive: true, message: 'Readiness probe errored: EMFILE: this machine is short of resources' });
  await clock.advance(10_000);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.1'], true);
  assert.not.ok(registry.events().some((e) => e.reason === 'Unhealthy'));
  await health.close();
});

test('initialDelaySeconds: no probe before the delay since the Pod was created', async () => {
  const { clock, registry, probes, start } = await setup();
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1', { tcpSocket: { port: 8080 }, initialDelaySeconds: 5, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 }));
  probes.healthy.set('10.0.0.1:8080', true);
  const health = start();
  await clock.advance(4_999);
  assert.equal(probes.calls, []);
  assert.is(health.podReady(registry.registry.list('Pod')[0] as Pod), false);
  await clock.advance(1);
  assert.is(probes.calls.length, 1);
  assert.is(health.podReady(registry.registry.list('Pod')[0] as Pod), true);
  await health.close();
});

test('implicit TCP probe: optimistic start, a dead port leaves after failureThreshold probes', async () => {
  const { clock, registry, probes, start } = await setup();
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1'));
  await registry.put(backendPod('b', '10.0.0.2'));
  probes.healthy.set('10.0.0.1:8080', true);
  const health = start();
  assert.equal(registry.readyByIp('default', 'web'), { '10.0.0.1': true, '10.0.0.2': true });
  await clock.advance(1_500); // probes at 0 and 1 s
  assert.is(registry.readyByIp('default', 'web')['10.0.0.2'], true);
  await clock.advance(1_000);
  assert.equal(registry.readyByIp('default', 'web'), { '10.0.0.1': true, '10.0.0.2': false });
  assert.ok(registry.events().some((e) => e.involved.kind === 'Pod' && e.involved.name === 'b' && e.reason === 'Unhealthy'));
  // A Pod whose own condition says not ready stays not ready even while its port answers.
  const c = backendPod('c', '10.0.0.3');
  c.status!.conditions = [{ type: 'Ready', status: 'False' }];
  await registry.put(c);
  probes.healthy.set('10.0.0.3:8080', true);
  await clock.advance(2_000);
  assert.is(registry.readyByIp('default', 'web')['10.0.0.3'], false);
  await health.close();
});

test('--no-default-probe: no implicit probes, explicit ones still run', async () => {
  const { clock, registry, probes, start } = await setup({ defaultProbe: { ...DEFAULT_PROBE, enabled: false } });
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1'));
  await registry.put(backendPod('b', '10.0.0.2', { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 1 }));
  const health = start();
  await clock.advance(3_000);
  assert.equal([...new Set(probes.calls.map((c) => c.what))], ['true']);
  assert.equal(health.status().map((s) => s.kind), ['pod']);
  await health.close();
});

function manualSlice(annotations?: Record<string, string>): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'ext-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext' }, ...(annotations ? { annotations } : {}) },
    endpoints: [{ addresses: ['10.0.1.1'] }, { addresses: ['10.0.1.2'] }, { addresses: ['10.0.1.3'], conditions: { ready: false } }],
    ports: [{ name: '', port: 9000, protocol: 'TCP' }],
  };
}

test('manual EndpointSlice endpoints: a failing one gets EJECTED in the table; the annotation opts out', async () => {
  const { clock, registry, probes, slots, start } = await setup();
  const ext: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 9000 }] } };
  await registry.put(ext);
  await registry.put(manualSlice());
  const index = slots.allocServicePort();
  slots.update(index, ['10.0.1.1', '10.0.1.2'].map((ip) => ({ ip, port: 9000, ready: true, serving: true, terminating: false, weight: 1, name: ip })));
  probes.healthy.set('10.0.1.1:9000', true);
  const health = start();
  assert.equal(health.status().map((s) => s.endpoint).sort(), ['10.0.1.1:9000', '10.0.1.2:9000'], 'the not-ready endpoint is not probed');
  await clock.advance(3_000);
  const flag = (ip: string) => slots.table.flags(slots.slotOf(ip, 9000)!) & EJECTED;
  assert.is(flag('10.0.1.1'), 0);
  assert.is(flag('10.0.1.2'), EJECTED);
  assert.is(health.endpointReady('10.0.1.2', 9000), false);
  assert.ok(registry.events().some((e) => e.involved.kind === 'Service' && e.involved.name === 'ext' && e.reason === 'Unhealthy'));
  probes.healthy.set('10.0.1.2:9000', true);
  await clock.advance(1_000);
  assert.is(flag('10.0.1.2'), 0);
  await registry.put(manualSlice({ 'switchyard.io/health-check': 'false' }));
  await clock.advance(1);
  assert.equal(health.status(), []);
  await health.close();
});

test('a new leader starts from the verdicts the old one published; its probes move them from there', async () => {
  const { clock, registry, probes, slots, start } = await setup();
  const ext: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 9000 }] } };
  const probe: Probe = { tcpSocket: { port: 'http' }, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
  for (const o of [web, ext, manualSlice(), backendPod('a', '10.0.0.1', probe), backendPod('b', '10.0.0.2', probe)]) await registry.put(o);
  const index = slots.allocServicePort();
  slots.update(index, ['10.0.1.1', '10.0.1.2'].map((ip) => ({ ip, port: 9000, ready: true, serving: true, terminating: false, weight: 1, name: ip })));
  let leading = false;
  const health = start(() => leading);
  const pod = (name: string) => registry.registry.get!('Pod', 'default', name) as Pod;
  await clock.advance(3_000);
  assert.is(probes.calls.length, 0, 'a follower does not probe');
  assert.is(health.podReady(pod('a')), false, 'its own state is a fresh start');
  // What the old leader published: a ready, b not; the manual 10.0.1.2 not ready.
  health.adopt!({
    pod: (_ns, name) => (name === 'a' ? true : name === 'b' ? false : undefined),
    endpoint: (ip) => (ip === '10.0.1.2' ? false : undefined),
  });
  leading = true;
  const ejected = (ip: string) => (slots.table.flags(slots.slotOf(ip, 9000)!) & EJECTED) !== 0;
  assert.is(health.podReady(pod('a')), true);
  assert.is(health.podReady(pod('b')), false);
  assert.is(health.endpointReady('10.0.1.1', 9000), true);
  assert.is(health.endpointReady('10.0.1.2', 9000), false);
  assert.is(ejected('10.0.1.2'), true, 'held out of the data plane as the old leader had it');
  // From there, kubelet's thresholds: a fails (one failure is not enough), b and 10.0.1.2 recover.
  probes.healthy.set('10.0.0.2:8080', true);
  probes.healthy.set('10.0.1.1:9000', true);
  probes.healthy.set('10.0.1.2:9000', true);
  await clock.advance(2_000);
  assert.is(health.podReady(pod('a')), true, 'one failure is below failureThreshold');
  assert.is(health.podReady(pod('b')), true);
  assert.is(ejected('10.0.1.2'), false);
  await clock.advance(4_000);
  assert.is(health.podReady(pod('a')), false, 'three failures in a row');
  await health.close();
});

test('passive ejection from the data plane counters, back after the next probe success', async () => {
  const { clock, registry, probes, slots, start } = await setup();
  await registry.put(web);
  await registry.put(backendPod('a', '10.0.0.1'));
  const index = slots.allocServicePort();
  slots.update(index, [{ ip: '10.0.0.1', port: 8080, ready: true, serving: true, terminating: false, weight: 1, name: 'a' }]);
  probes.healthy.set('10.0.0.1:8080', true);
  const health = start();
  const slot = slots.slotOf('10.0.0.1', 8080)!;
  for (let i = 0; i < 3; i++) slots.table.connectFailed(slot);
  await clock.advance(1_000);
  assert.ok(health.isEjected('10.0.0.1', 8080));
  assert.is(slots.table.flags(slot) & EJECTED, EJECTED);
  assert.ok(registry.events().some((e) => e.reason === 'Ejected' && e.involved.name === 'web'));
  await clock.advance(4_500);
  assert.ok(health.isEjected('10.0.0.1', 8080), 'still within the 5 s ejection');
  await clock.advance(1_000);
  assert.not.ok(health.isEjected('10.0.0.1', 8080), 'the probe after the ejection time brings it back');
  assert.is(slots.table.flags(slot) & EJECTED, 0);
  await health.close();
});

test.run();
