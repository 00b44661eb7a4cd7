// The health loop's steps as data, without probes or timers of its own: coalescing bursts of
// changes, the diff of probe targets, and a Pod's verdict from its targets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoalescedChanges, type ChangeBatch } from '../../src/health/coalesced-changes.ts';
import { HealthTargetSet, type HealthTarget } from '../../src/health/health-target-set.ts';
import { podProbeTargets, type TargetSpec } from '../../src/health/health-targets.ts';
import { podReadiness } from '../../src/health/pod-readiness.ts';
import { targetChanges } from '../../src/health/target-changes.ts';
import type { Pod, Probe } from '../../src/model/types.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

test('coalesced changes: a burst is one batch on the next turn; nothing named means everything; close drops', async () => {
  const clock = new FakeClock();
  const batches: ChangeBatch[] = [];
  const c = new CoalescedChanges(clock, (b) => batches.push(b));
  c.add(['default/a'], []);
  c.add(['default/b', 'default/a'], ['default/p1']);
  assert.equal(batches, [], 'not before the timer');
  await clock.advance(0);
  assert.equal(batches, [{ all: false, services: ['default/a', 'default/b'], pods: ['default/p1'] }]);
  c.add([]);
  await clock.advance(0);
  assert.equal(batches[1], { all: false, services: [], pods: [] }, 'an empty list still flushes (and is not everything)');
  c.add(['default/a']);
  c.add();
  await clock.advance(0);
  assert.equal(batches[2], { all: true, services: ['default/a'], pods: [] });
  c.add(undefined, ['default/p2']);
  await clock.advance(0);
  assert.equal(batches[3], { all: false, services: [], pods: ['default/p2'] });
  c.add(['default/x']);
  c.close();
  c.add(['default/y']);
  await clock.advance(1000);
  assert.is(batches.length, 4);
  assert.is(clock.pending, 0);
});

const spec = (key: string, fingerprint: string, services: string[] = ['default/web']): TargetSpec => ({
  key, kind: 'implicit', check: { type: 'tcp', host: '10.0.0.1', port: 80 }, periodMs: 1000, timeoutMs: 1000,
  thresholds: { successThreshold: 1, failureThreshold: 3 }, initialDelaySeconds: 0, startedAtMs: 0, initiallyReady: true,
  fingerprint, pod: { namespace: 'default', name: key }, ip: '10.0.0.1', port: 80, services,
});
const target = (s: TargetSpec, ready = true): HealthTarget => ({ spec: s, state: { ready, last: ready, run: 1 } });

test('target diff: same fingerprint refreshed, changed dropped and added, gone dropped, not-ready drops readmit their Services', () => {
  const running = new Map<string, HealthTarget>([
    ['same', target(spec('same', 'f1', ['default/old']))],
    ['changed', target(spec('changed', 'f1', ['default/a']), false)],
    ['gone', target(spec('gone', 'f1', ['default/b', 'default/c']), false)],
    ['gone-ready', target(spec('gone-ready', 'f1'))],
    ['untouched', target(spec('untouched', 'f1'), false)],
  ]);
  const wanted = new Map<string, TargetSpec>([
    ['same', spec('same', 'f1', ['default/new'])],
    ['changed', spec('changed', 'f2')],
    ['new', spec('new', 'f1')],
  ]);
  const c = targetChanges(['new', 'same', 'changed', 'gone', 'gone-ready'], (k) => wanted.get(k), (k) => running.get(k));
  assert.equal(c.refresh.map((r) => [r.target, r.spec.services]), [[running.get('same'), ['default/new']]]);
  assert.equal(c.drop, [running.get('changed'), running.get('gone'), running.get('gone-ready')]);
  assert.equal(c.add.map((s) => `${s.key}:${s.fingerprint}`), ['new:f1', 'changed:f2']);
  assert.equal(c.readmit, { all: false, services: ['default/a', 'default/b', 'default/c'] });
});

test('target diff: a not-ready target that named no Service readmits everything', () => {
  const t = target(spec('m', 'f1', []), false);
  assert.equal(targetChanges(['m'], () => undefined, () => t).readmit, { all: true, services: [] });
  assert.equal(targetChanges(['x'], () => undefined, () => undefined), { refresh: [], drop: [], add: [], readmit: { all: false, services: [] } });
});

const probe: Probe = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
function probedPod(uid = 'u1', p: Probe = probe): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', uid },
    spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080 }], readinessProbe: p }] },
    status: { phase: 'Running', podIP: '10.0.0.1' },
  };
}

test('pod readiness: readiness probes decide, a missing or changed target is stale and not ready', () => {
  const targets = new HealthTargetSet();
  const pod = probedPod();
  assert.equal(podReadiness(pod, targets, 0), { ready: false, stale: true }, 'no target yet');
  const [s] = podProbeTargets(pod, ['default/web'], 0);
  const t = targets.add(s);
  assert.equal(podReadiness(pod, targets, 0), { ready: false, stale: false }, 'a probe that has not passed yet');
  t.state.ready = true;
  assert.equal(podReadiness(pod, targets, 0), { ready: true, stale: false });
  assert.equal(podReadiness(probedPod('u1', { ...probe, periodSeconds: 5 }), targets, 0), { ready: false, stale: true }, 'the probe was edited');
  const ended = probedPod();
  ended.status!.phase = 'Succeeded';
  assert.equal(podReadiness(ended, targets, 0), { ready: undefined, stale: false }, 'not an endpoint');
});

test('pod readiness: implicit probes only take readiness away, and only from the Pod they probed', () => {
  const targets = new HealthTargetSet();
  const pod: Pod = { ...probedPod(), spec: { containers: [{ name: 'app' }] } };
  assert.equal(podReadiness(pod, targets, 0), { ready: undefined, stale: false }, 'not probed');
  const implicit = targets.add({ ...spec('implicit:default/a:80', 'f1'), pod: { namespace: 'default', name: 'a', uid: 'u1' } });
  assert.equal(podReadiness(pod, targets, 0), { ready: undefined, stale: false }, 'a passing implicit probe defers');
  implicit.state.ready = false;
  assert.equal(podReadiness(pod, targets, 0), { ready: false, stale: false });
  const recreated: Pod = { ...pod, metadata: { ...pod.metadata, uid: 'u2' } };
  assert.equal(podReadiness(recreated, targets, 0), { ready: undefined, stale: false }, 'a Pod of the same name, recreated');
});

test.run();
