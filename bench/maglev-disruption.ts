// How many clients Maglev moves when the endpoint set changes: 100,000 client addresses (seeded)
// over N endpoints, one endpoint removed, then one added; "moved" counts clients whose endpoint
// changed, "others" those not on the removed (or, for an add, not moved to the new) endpoint — the
// disruption consistent hashing is meant to avoid. Also the table build time. Pure, one thread.
// Run: node_modules/.bin/node bench/maglev-disruption.ts
import { seededRandom } from '../src/balancers/seeded-random.ts';
import { createEndpointPicker } from '../src/data/endpoint-picker.ts';
import { createEndpointSlots, type DesiredEndpoint } from '../src/proxy/endpoint-slots.ts';
import { createEndpointTable } from '../src/shared/endpoint-table.ts';

const CLIENTS = 100_000;
const ep = (i: number): DesiredEndpoint => ({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 80, ready: true, serving: true, terminating: false, weight: 1, name: `e${i}` });
const r = seededRandom(11);
const clients = Array.from({ length: CLIENTS }, () => `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`);

function mapping(n: number, desired: DesiredEndpoint[]): { names: string[]; buildMs: number } {
  const table = createEndpointTable({ maxSlots: n + 2, maxServicePorts: 1, affinityEntries: 64 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const picker = createEndpointPicker(table);
  picker.setServicePort({
    index: port, name: 'bench', generation: 1, endpoints: slots.update(port, desired),
    options: { algorithm: 'maglev', affinitySeconds: 0, proxyProtocol: 0, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0 },
  });
  const t0 = performance.now();
  picker.pick(port, clients[0], []); // builds the table
  const buildMs = performance.now() - t0;
  return { names: clients.map((c) => picker.pick(port, c, [])!.name), buildMs };
}

console.log('endpoints  change   moved    others   ideal    table build');
for (const n of [10, 100, 1000]) {
  const all = Array.from({ length: n }, (_, i) => ep(i));
  const base = mapping(n, all);
  const removed = mapping(n, all.filter((_, i) => i !== 3));
  const added = mapping(n + 1, [...all, ep(n)]);
  const pct = (x: number) => `${((100 * x) / CLIENTS).toFixed(2)} %`.padEnd(9);
  let movedR = 0, othersR = 0, movedA = 0, othersA = 0;
  for (let k = 0; k < CLIENTS; k++) {
    if (base.names[k] !== removed.names[k]) { movedR++; if (base.names[k] !== 'e3') othersR++; }
    if (base.names[k] !== added.names[k]) { movedA++; if (added.names[k] !== `e${n}`) othersA++; }
  }
  console.log(`${String(n).padEnd(11)}remove   ${pct(movedR)}${pct(othersR)}${`${(100 / n).toFixed(2)} %`.padEnd(9)}${base.buildMs.toFixed(1)} ms`);
  console.log(`${String(n).padEnd(11)}add      ${pct(movedA)}${pct(othersA)}${`${(100 / (n + 1)).toFixed(2)} %`.padEnd(9)}${added.buildMs.toFixed(1)} ms`);
}
