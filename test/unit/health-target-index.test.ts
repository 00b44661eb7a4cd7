// HealthTargetIndex, updated one Service and Pod at a time, must equal computeHealthTargets over
// the same objects after every step (targets, their Services, backends and ports).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import { computeHealthTargets, serviceHealthContribution } from '../../src/health/health-targets.ts';
import { HealthTargetIndex, healthTouched } from '../../src/health/health-target-index.ts';
import type { EndpointSlice, Pod, Service } from '../../src/model/types.ts';

const D = { enabled: true, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 };
const NOW = 1_700_000_000_000;

const pod = (name: string, app: string, ip: string, probe = false): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `u-${name}`, labels: { app } },
  spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: probe ? { tcpSocket: { port: 'http' } } : undefined }] },
  status: { phase: 'Running', podIP: ip },
});
const svc = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { selector, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: selector ? 'http' : 9000 }] },
});
const manualSlice = (service: string, ip: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `${service}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  endpoints: [{ addresses: [ip] }], ports: [{ port: 9000, protocol: 'TCP' }],
});

test('incremental updates equal the full computation after every step', () => {
  const services = new Map<string, Service>();
  const pods = new Map<string, Pod>();
  const manual = new Map<string, EndpointSlice[]>();
  const slicesOf = (s: Service) => s.spec.selector ? computeEndpointSlices(s, [...pods.values()], podConditionReady) : manual.get(s.metadata.name!) ?? [];
  const index = new HealthTargetIndex();
  const check = (step: string) => {
    const full = computeHealthTargets({ services: [...services.values()], pods: [...pods.values()], slicesOf, defaultProbe: D, nowMs: NOW });
    const norm = (t: { key: string; services: string[]; fingerprint: string }) => `${t.key} ${t.fingerprint} ${[...t.services].sort().join(',')}`;
    const keys = new Set([...full.targets.map((t) => t.key), 'implicit:default/a:10.0.0.1:8080', 'pod:default/p:c', 'manual:10.0.9.9:9000']);
    const got = [...keys].map((k) => index.target(k)).filter((t) => t !== undefined).map(norm).sort();
    assert.equal(got, full.targets.map(norm).sort(), `${step}: targets`);
    const backends = (m: Map<string, { ip: string; port: number; pod?: { name: string } }>, services: (k: string) => string[]) =>
      [...m].map(([k, b]) => `${k} ${b.pod?.name ?? '-'} ${services(k).sort().join(',')}`).sort();
    assert.equal(backends(index.backends, (k) => [...index.backends.get(k)!.owners.keys()]), backends(full.backends, (k) => full.backends.get(k)!.services), `${step}: backends`);
  };
  const touch = (serviceNames: string[], podNames: string[] = []) => {
    const t = healthTouched();
    for (const n of serviceNames) {
      const s = services.get(n);
      index.setService(`default/${n}`, s && serviceHealthContribution(s, pods.values(), slicesOf(s), D, NOW), t);
    }
    for (const pk of new Set([...t.pods, ...podNames.map((n) => `default/${n}`)])) index.setPod(pk, pods.get(pk.split('/')[1]), NOW, t);
    return t;
  };

  pods.set('a', pod('a', 'web', '10.0.0.1'));
  pods.set('p', pod('p', 'web', '10.0.0.2', true));
  touch([], ['a', 'p']);
  check('pods only');
  for (const n of ['web', 'web2']) services.set(n, svc(n, { app: 'web' }));
  let t = touch(['web', 'web2']);
  assert.ok(t.backends.size === 2, 'two backends added');
  check('two Services share the backends');
  services.set('ext', svc('ext'));
  manual.set('ext', [manualSlice('ext', '10.0.9.9')]);
  touch(['ext']);
  check('manual Service');
  services.delete('web');
  t = touch(['web']);
  assert.is(t.backends.size, 0, 'web2 still sends to both backends');
  check('one sharing Service gone');
  pods.set('a', { ...pod('a', 'other', '10.0.0.1') });
  touch(['web2'], ['a']);
  check('Pod relabelled out of the selector');
  pods.delete('p');
  touch(['web2'], ['p']);
  check('probed Pod deleted');
  services.clear();
  touch(['web2', 'ext']);
  check('everything gone');
  assert.is(index.backends.size, 0);
  assert.is(index.portsByIp.size + index.portsByPod.size, 0);
});

test.run();
