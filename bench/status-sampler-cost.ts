// What the status sampler costs the main thread: one sample (read every counter of every Service
// port, endpoint and worker from the shared table) and the /status.json history a page asks for,
// with P Service ports of E endpoints each: the real code on a real table, timed in CPU time of
// the thread (the machine is shared). Usage: node bench/status-sampler-cost.ts [PORTS] [ENDPOINTS]
import { createEndpointTable } from '../src/shared/endpoint-table.ts';
import { READY, SERVING } from '../src/shared/slot-state.ts';
import { startStatusSampler } from '../src/admin/status-sampler.ts';
import { historyView } from '../src/admin/status-history-view.ts';

const ports = Number(process.argv[2] ?? 200);
const perPort = Number(process.argv[3] ?? 3);
const table = createEndpointTable({ maxSlots: ports * perPort + 8, maxServicePorts: ports + 8, affinityEntries: 64, maxWorkers: 2 });
const published = Array.from({ length: ports }, (_, p) => ({
  index: p, service: `default/svc-${p}`, port: 'http/TCP',
  endpoints: Array.from({ length: perPort }, (_, e) => {
    const slot = p * perPort + e;
    table.updateFlags(slot, READY | SERVING, 0);
    return { slot, host: `10.${p >> 8}.${p & 255}.${e + 1}`, port: 80, name: `default/pod-${p}-${e}` };
  }),
}));
let now = Date.now();
const sampler = startStatusSampler({ table, sync: { servicePorts: () => published, listeners: () => [] }, workers: () => 2 }, { timer: false, clock: () => now });

function traffic() {
  for (const p of published) {
    for (const e of p.endpoints) { table.countPortConnection(p.index); table.slotOpened(e.slot); table.observe(p.index, 'connect', 0.0003); }
    table.addBytes(p.index, p.endpoints[0].slot, 1000, 5000);
  }
}

// CPU time of this thread, not wall time: the machine is shared, and time spent descheduled is not
// the sampler's cost.
const cpuMicros = () => { const c = process.threadCpuUsage(); return c.user + c.system; };
// Repeated until it has used at least 200 ms of CPU: the thread's CPU clock may tick coarsely.
const time = (fn: () => void, atLeast: number): number => {
  const t0 = cpuMicros();
  let n = 0;
  while (n < atLeast || cpuMicros() - t0 < 200_000) { fn(); n++; }
  return (cpuMicros() - t0) / n;
};
// Fill the window first (300 samples), so the views below serve a full one.
for (let i = 0; i < 300; i++) { traffic(); now += 1000; sampler.sample(); }
// A sample after a second of traffic: the traffic's own cost measured alone, then subtracted.
const trafficUs = time(traffic, 50);
const sampleUs = time(() => { traffic(); now += 1000; sampler.sample(); }, 50) - trafficUs;
let pollBytes = 0;
const pollUs = time(() => { pollBytes = JSON.stringify(historyView(sampler, { since: now - 1000 })).length; }, 50);
// The page's poll with 200+ Services: the collapsed ones' sparkline series, one Service in full.
let pagePollBytes = 0;
const pagePollUs = time(() => {
  pagePollBytes = JSON.stringify(historyView(sampler, { since: now - 1000, series: new Set(['connections']), full: new Set(['default/svc-7']) })).length;
}, 50);
let topBytes = 0;
const topKeys = new Set(['connections', 'bytesIn', 'bytesOut']);
const topUs = time(() => { topBytes = JSON.stringify(historyView(sampler, { since: now - 120_000, series: topKeys, endpointSeries: topKeys })).length; }, 5);
let fullBytes = 0;
const fullUs = time(() => { fullBytes = JSON.stringify(historyView(sampler, { since: 0 })).length; }, 5);
let pageBytes = 0;
const pageUs = time(() => { pageBytes = JSON.stringify(historyView(sampler, { since: 0, series: new Set(['connections']) })).length; }, 5);
const mem = process.memoryUsage();
console.log(JSON.stringify({
  ports, endpointsPerPort: perPort,
  sampleMicros: Math.round(sampleUs), pollMicros: Math.round(pollUs), pollBytes, pagePollMicros: Math.round(pagePollUs), pagePollBytes,
  topFirstMicros: Math.round(topUs), topFirstBytes: topBytes,
  fullHistoryMicros: Math.round(fullUs), fullHistoryBytes: fullBytes, firstPageHistoryMicros: Math.round(pageUs), firstPageHistoryBytes: pageBytes,
  heapUsedMiB: Math.round(mem.heapUsed / 1048576), arrayBuffersMiB: Math.round(mem.arrayBuffers / 1048576),
}));
