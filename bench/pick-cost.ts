// Micro benchmark: cost of one EndpointPicker.pick() per algorithm and endpoint count, on one
// thread over the shared table (the Atomics are the same as on a worker). Prints ns/pick.
// Run: node_modules/.bin/node bench/pick-cost.ts [picksPerCase] [--json] [--only NAME,NAME]
// --json prints one object (PickCostTable) instead of the table; bench/run.ts reads it. --only
// measures just those rows (for side-by-side runs of one algorithm).
import { balancerNames } from '../src/balancers/registry.ts';
import { seededRandom } from '../src/balancers/seeded-random.ts';
import { createEndpointSlots } from '../src/proxy/endpoint-slots.ts';
import { createEndpointPicker } from '../src/data/endpoint-picker.ts';
import { createEndpointTable } from '../src/shared/endpoint-table.ts';

export const SIZES = [3, 30, 300, 3000, 30000];
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? new Set(args.splice(onlyAt, 2)[1].split(',')) : undefined;
const positional = args.filter((a) => !a.startsWith('--'));
const PICKS = Number(positional[0] ?? 1_000_000);

export interface PickCostTable { picks: number; node: string; sizes: number[]; nsPerPick: Record<string, number[]> }

/** A picker over n endpoints and a loop of `count` picks through it (reading each result's slot,
 *  as a connection reads its endpoint). */
function setup(algorithm: string, n: number, affinitySeconds = 0, notReadyEvery = 0): (count: number) => number {
  const table = createEndpointTable({ maxSlots: n, maxServicePorts: 1, affinityEntries: 4096 });
  const slots = createEndpointSlots(table);
  const port = slots.allocServicePort();
  const rnd = seededRandom(n);
  const endpoints = slots.update(port, Array.from({ length: n }, (_, i) => ({
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 80, ready: notReadyEvery === 0 || i % notReadyEvery !== 1,
    serving: true, terminating: false,
    weight: 1 + (i % 4), name: `e${i}`,
  })));
  const picker = createEndpointPicker(table, { random: rnd, nowSeconds: () => 1000 });
  picker.setServicePort({
    index: port, name: 'bench', generation: 1, endpoints,
    options: { algorithm, affinitySeconds, proxyProtocol: 0, connectTimeoutMs: 1, idleTimeoutMs: 1, connectAttempts: 1, maxConnections: 0 },
  });
  // Uneven long-lived load so least-connections has real work to do.
  for (const e of endpoints) for (let k = Math.floor(rnd() * 8); k > 0; k--) picker.opened(port, e.slot);
  const clients = Array.from({ length: 256 }, (_, i) => `192.168.${i >> 4}.${i & 15}`);
  return (count: number) => {
    let sink = 0;
    for (let k = 0; k < count; k++) sink += picker.pick(port, clients[k & 255], [])!.slot;
    return sink;
  };
}

const REPS = 5;

/** ns per pick for every size of one algorithm. The sizes are timed in turns (3, 30, …, 30,000,
 *  then again), REPS times, keeping each size's fastest: the machine is shared, and interleaving
 *  spreads a disturbance over every size instead of charging it to whichever ran at that moment. */
function measure(algorithm: string, affinitySeconds = 0, notReadyEvery = 0): number[] {
  const runs = SIZES.map((n) => setup(algorithm, n, affinitySeconds, notReadyEvery));
  let sink = 0;
  for (const run of runs) sink += run(Math.min(PICKS, 200_000)); // warm-up: let the JIT settle
  const best = SIZES.map(() => Infinity);
  for (let rep = 0; rep < REPS; rep++) {
    runs.forEach((run, i) => {
      const t0 = process.hrtime.bigint();
      sink += run(PICKS);
      best[i] = Math.min(best[i], Number(process.hrtime.bigint() - t0) / PICKS);
    });
  }
  if (sink < 0) console.log(sink);
  return best;
}

// Only when run as a script: run.ts imports the types and SIZES without measuring anything.
if (import.meta.main) main();

function main(): void {
  const table: PickCostTable = { picks: PICKS, node: process.version, sizes: SIZES, nsPerPick: {} };
  const row = (name: string, algorithm: string, affinitySeconds = 0, notReadyEvery = 0) => {
    if (!ONLY || ONLY.has(name)) table.nsPerPick[name] = measure(algorithm, affinitySeconds, notReadyEvery);
  };
  for (const name of balancerNames()) row(name, name);
  row('round-robin+affinity', 'round-robin', 600);
  // Every fifth endpoint not ready (the second of each five): the rotations skip unusable ones.
  row('round-robin (1/5 not ready)', 'round-robin', 0, 5);
  row('weighted-round-robin (1/5 not ready)', 'weighted-round-robin', 0, 5);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(table));
    return;
  }
  const rows: string[][] = [['algorithm', ...SIZES.map(String)]];
  for (const [name, ns] of Object.entries(table.nsPerPick)) rows.push([name, ...ns.map((x) => x.toFixed(1))]);
  const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`ns per pick (${PICKS} picks per case, Node ${process.version})`);
  for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c] + 2))).join(''));
}
