import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, IP_MSG, RANGE, errorsOf } from './config-helpers.ts';

const ep = (subsets: unknown, name = 'web') => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name }, subsets });
const slice = (rest: Record<string, unknown>) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ...rest });
const pod = (spec: Record<string, unknown>, status: unknown = { podIP: '10.1.0.5' }, name = 'web-0') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }], ...spec }, status });

test('Endpoints: valid with loopback, empty subsets, subsets without ports', () => {
  assert.equal(errorsOf(ep([{ addresses: [{ ip: '127.0.0.1' }], notReadyAddresses: [{ ip: '::1' }], ports: [{ port: 8080 }] }])), []);
  assert.equal(errorsOf(ep([])), []);
  assert.equal(errorsOf(ep([{ addresses: [{ ip: '10.0.0.1' }] }])), []);
});

test('Endpoints: subset, address and port rules', () => {
  assert.equal(errorsOf(ep([
    {},
    { addresses: [{ ip: '10.0.0.300', hostname: 'Web', nodeName: 'Node_1' }, { ip: '169.254.0.1' }], ports: [{ port: 0, protocol: 'ICMP' }, { name: 'b', port: 1 }] },
  ], 'Web')), [
    `metadata.name: Invalid value: "Web": ${DNS1123_SUBDOMAIN}`,
    'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    `subsets[1].addresses[0].ip: Invalid value: "10.0.0.300": ${IP_MSG}`,
    `subsets[1].addresses[0].hostname: Invalid value: "Web": ${DNS1123_LABEL}`,
    `subsets[1].addresses[0].nodeName: Invalid value: "Node_1": ${DNS1123_SUBDOMAIN}`,
    'subsets[1].addresses[1].ip: Invalid value: "169.254.0.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    'subsets[1].ports[0].name: Required value',
    `subsets[1].ports[0].port: Invalid value: 0: ${RANGE}`,
    'subsets[1].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
});

test('Endpoints: more than 1000 addresses are too many', () => {
  const addresses = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}` }));
  assert.equal(errorsOf(ep([{ addresses }])), ['subsets: Too many: 1001: must have at most 1000 addresses in all subsets together; split the backends over EndpointSlices']);
});

test('EndpointSlice: valid, defaults port name "" and protocol TCP', () => {
  assert.equal(errorsOf(slice({ endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ port: 80 }] })), []);
});

test('EndpointSlice: FQDN accepts docker compose names', () => {
  assert.equal(errorsOf(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['nginx'] }, { addresses: ['web.example.com.'] }] })), []);
  assert.equal(errorsOf(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['Bad_Name'] }] })), [`endpoints[0].addresses[0]: Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN}`]);
});

test('EndpointSlice: address type, addresses, ports', () => {
  assert.equal(errorsOf(slice({ addressType: 'IP' })), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
  assert.equal(errorsOf(slice({
    endpoints: [{ addresses: [] }, { addresses: ['fd00::1', '0.0.0.0'], hostname: 'a.b' }],
    ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81, protocol: 'QUIC' }, { name: 'X', port: 70000 }],
  })), [
    'endpoints[0].addresses: Required value: must contain at least 1 address',
    'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
    'endpoints[1].addresses[1]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    'endpoints[1].hostname: Invalid value: "a.b": must not contain dots',
    'ports[1].name: Duplicate value: "http"',
    'ports[1].protocol: Unsupported value: "QUIC": supported values: "SCTP", "TCP", "UDP"',
    `ports[2].name: Invalid value: "X": ${DNS1123_LABEL}`,
    `ports[2].port: Invalid value: 70000: ${RANGE}`,
  ]);
});

test('EndpointSlice: limits of 1000 endpoints, 100 addresses, 100 ports', () => {
  assert.equal(errorsOf(slice({ endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) })), ['endpoints: Too many: 1001: must have at most 1000 items']);
  assert.equal(errorsOf(slice({ endpoints: [{ addresses: Array.from({ length: 101 }, () => '10.0.0.1') }] })), ['endpoints[0].addresses: Too many: 101: must have at most 100 items']);
  assert.equal(errorsOf(slice({ ports: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, port: 1000 + i })) })), ['ports: Too many: 101: must have at most 100 items']);
});

test('Pod: valid with loopback podIP and a tcpSocket probe by name', () => {
  assert.equal(errorsOf(pod({ containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 'http' } } }] }, { podIP: '127.0.0.1' })), []);
});

test('Pod: podIP required and valid; unspecified rejected', () => {
  assert.equal(errorsOf(pod({}, {})), ['status.podIP: Required value: switchyard needs the address the running backend listens on']);
  assert.equal(errorsOf(pod({}, { podIP: 'web' })), [`status.podIP: Invalid value: "web": ${IP_MSG}`]);
  assert.equal(errorsOf(pod({}, { podIP: '0.0.0.0' })), ['status.podIP: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
});

test('Pod: name, containers, names, ports', () => {
  assert.equal(errorsOf(pod({ containers: [] }, { podIP: '10.0.0.1' }, 'Web_0')), [
    `metadata.name: Invalid value: "Web_0": ${DNS1123_SUBDOMAIN}`, 'spec.containers: Required value']);
  assert.equal(errorsOf(pod({ containers: [
    { ports: [{ name: 'http', containerPort: 0 }, { name: 'http', containerPort: 81 }, { name: 'web--x', containerPort: 70000, protocol: 'tcp' }] },
    { name: 'a' }, { name: 'a' }] })), [
    'spec.containers[0].name: Required value',
    'spec.containers[0].ports[0].containerPort: Required value',
    'spec.containers[0].ports[1].name: Duplicate value: "http"',
    'spec.containers[0].ports[2].name: Invalid value: "web--x": must not contain consecutive hyphens',
    `spec.containers[0].ports[2].containerPort: Invalid value: 70000: ${RANGE}`,
    'spec.containers[0].ports[2].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[2].name: Duplicate value: "a"',
  ]);
});

test('Pod: probes need exactly one handler and non-negative numbers', () => {
  const withProbe = (readinessProbe: unknown) => pod({ containers: [{ name: 'web', readinessProbe }] });
  const p = 'spec.containers[0].readinessProbe';
  assert.equal(errorsOf(withProbe({ periodSeconds: 5 })), [`${p}: Required value: must specify a handler type`]);
  assert.equal(errorsOf(withProbe({ httpGet: { port: 80 }, tcpSocket: { port: 80 } })), [`${p}.tcpSocket: Forbidden: may not specify more than 1 handler type`]);
  assert.equal(errorsOf(withProbe({ exec: { command: [] }, failureThreshold: -1 })), [`${p}.exec.command: Required value`, `${p}.failureThreshold: Invalid value: -1: must be greater than or equal to 0`]);
  assert.equal(errorsOf(withProbe({ tcpSocket: { port: 0 } })), [`${p}.tcpSocket.port: Invalid value: 0: ${RANGE}`]);
  assert.equal(errorsOf(withProbe({ httpGet: { port: 80, scheme: 'FTP' } })), [`${p}.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`]);
});

test.run();
