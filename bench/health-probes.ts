// Cost of the health loop on the main thread: N endpoints (manual EndpointSlice endpoints, so each
// gets the implicit TCP-connect probe) probed every second against real listeners in a child
// process. Reports CPU time of this process per second and event-loop delay.
// Usage: node_modules/.bin/node bench/health-probes.ts [endpoints=1000] [seconds=20] [maxConcurrent=64]
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEndpointSlots } from '../src/proxy/endpoint-slots.ts';
import { startHealthManager, type HealthRegistry } from '../src/health/health-manager.ts';
import type { EndpointSlice, KubeObject, Service } from '../src/model/types.ts';
import { createEndpointTable } from '../src/shared/endpoint-table.ts';

const n = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 20);
const maxConcurrent = Number(process.argv[4] ?? 64);

// Listeners live in another process so their accept work is not counted here.
const child = spawn(process.execPath, ['-e', `
  const net = require('node:net'); const ports = []; let left = ${n};
  for (let i = 0; i < ${n}; i++) { const s = net.createServer((c) => c.destroy()); s.listen(0, '127.0.0.1', () => { ports.push(s.address().port); if (--left === 0) process.stdout.write(JSON.stringify(ports) + '\\n'); }); }
`], { stdio: ['ignore', 'pipe', 'inherit'] });
let buf = '';
const ports: number[] = await new Promise((resolve) => child.stdout!.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(JSON.parse(buf)); }));

const service: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bench', namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } };
const slices: EndpointSlice[] = ports.map((port, i) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `bench-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'bench' } },
  endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ name: '', port, protocol: 'TCP' }],
}));
const registry: HealthRegistry = {
  list: (kind) => (kind === 'Service' ? [service] : []) as KubeObject[],
  serviceSlices: () => slices,
  readinessChanged: () => {},
  recordEvent: () => {},
  subscribe: () => () => {},
};
const slots = createEndpointSlots(createEndpointTable({ maxSlots: n + 16, maxServicePorts: 4, affinityEntries: 8 }));
// servicePortEndpoints keys Service port "" by number: every endpoint maps to port 80's targets.
slots.update(slots.allocServicePort(), ports.map((port) => ({ ip: '127.0.0.1', port, ready: true, serving: true, terminating: false, weight: 1, name: `${port}` })));

const health = startHealthManager({
  registry, slots, maxConcurrent, log: (level, m) => { if (level !== 'info') console.error(m); },
  defaultProbe: { enabled: true, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
});
await new Promise((r) => setTimeout(r, 2000)); // past the start-up jitter
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let probes = 0;
const seen = new Map<string, number>();
const sample = setInterval(() => { for (const s of health.status()) seen.set(s.key, s.lastProbeAt ?? 0); }, 1000);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(sample);
const cpu = process.cpuUsage(cpu0);
const wall = (performance.now() - t0) / 1000;
delay.disable();
const notReady = health.status().filter((s) => !s.ready).length;
probes = health.status().length;
console.log(JSON.stringify({
  endpoints: n, targets: probes, notReady, seconds: Math.round(wall * 10) / 10, maxConcurrent,
  cpuMsPerSecond: Math.round((cpu.user + cpu.system) / 1000 / wall), userMsPerSecond: Math.round(cpu.user / 1000 / wall), systemMsPerSecond: Math.round(cpu.system / 1000 / wall),
  eventLoopDelayMs: { p50: +(delay.percentile(50) / 1e6).toFixed(2), p99: +(delay.percentile(99) / 1e6).toFixed(2), max: +(delay.max / 1e6).toFixed(2) },
}));
await health.close();
child.kill('SIGKILL');
