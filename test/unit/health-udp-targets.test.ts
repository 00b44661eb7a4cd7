// Health for UDP Service ports: a Pod's readinessProbe (exec, or tcpSocket/httpGet on a TCP port)
// as for TCP; without one the endpoint is trusted (no implicit TCP probe of a UDP-only port), for
// selector Services and for manual endpoints; a backend that a TCP port also targets keeps its
// implicit TCP probe. Every UDP backend is watched for passive ejection (ICMP refusals).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeEndpointSlices } from '../../src/model/compute-endpoint-slices.ts';
import { podConditionReady } from '../../src/model/pod-ready.ts';
import { computeHealthTargets } from '../../src/health/health-targets.ts';
import type { EndpointSlice, Pod, Probe, Service } from '../../src/model/types.ts';

const D = { enabled: true, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 };
const NOW = 1_700_000_000_000;

const pod = (name: string, ip: string, readinessProbe?: Probe): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `u-${name}`, labels: { app: 'dns' } },
  spec: { containers: [{ name: 'c', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }, { name: 'metrics', containerPort: 9153 }], readinessProbe }] },
  status: { phase: 'Running', podIP: ip },
});
const service = (ports: Service['spec']['ports'], selector: Record<string, string> | undefined = { app: 'dns' }): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns', namespace: 'default' }, spec: { selector, ports },
});
const targetsOf = (svc: Service, pods: Pod[], slices?: EndpointSlice[]) => computeHealthTargets({
  services: [svc], pods, defaultProbe: D, nowMs: NOW,
  slicesOf: (s) => slices ?? computeEndpointSlices(s, pods, podConditionReady),
});

const UDP = [{ name: 'dns', port: 53, protocol: 'UDP' as const, targetPort: 'dns' }];

test('a UDP-only Service port: no implicit TCP probe; its backends are watched for passive ejection', () => {
  const r = targetsOf(service(UDP), [pod('a', '10.0.0.1'), pod('b', '10.0.0.2')]);
  assert.equal(r.targets, []);
  assert.equal([...r.backends.keys()].sort(), ['10.0.0.1:53', '10.0.0.2:53']);
});

test('a readinessProbe decides for UDP ports as for TCP: exec, or tcpSocket on another port', () => {
  for (const probe of [{ exec: { command: ['true'] } }, { tcpSocket: { port: 'metrics' } }, { httpGet: { port: 9153, path: '/health' } }] as Probe[]) {
    const r = targetsOf(service(UDP), [pod('a', '10.0.0.1', probe)]);
    assert.equal(r.targets.map((t) => [t.kind, t.check.type, t.initiallyReady]), [['pod', Object.keys(probe)[0] === 'exec' ? 'exec' : Object.keys(probe)[0] === 'tcpSocket' ? 'tcp' : 'http', false]]);
  }
});

test('53/UDP beside 53/TCP: the TCP port keeps its implicit probe of ip:53', () => {
  const r = targetsOf(service([...UDP, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 'dns-tcp' }]), [pod('a', '10.0.0.1')]);
  assert.equal(r.targets.map((t) => [t.kind, t.check]), [['implicit', { type: 'tcp', host: '10.0.0.1', port: 53 }]]);
});

test('manual UDP endpoints are trusted, not TCP-probed', () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'dns-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'dns' } },
    endpoints: [{ addresses: ['10.0.9.9'] }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }],
  };
  const r = targetsOf(service([{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }], undefined), [], [slice]);
  assert.equal(r.targets, []);
  assert.equal([...r.backends.keys()], ['10.0.9.9:5353']);
});

test.run();
