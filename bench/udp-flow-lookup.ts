// What a UDP flow lookup costs per client datagram, and what it allocates: the flow table
// (src/data/udp-flow-table.ts: the address parsed into words, open addressing over an Int32Array)
// against the two obvious Map keyings — a string built per datagram (`${address}:${port}`) and a
// Map per address holding a Map per port. Each case looks up `flows` live flows in a random order,
// the flows' client ports spread over 16 client addresses (a few busy clients, dnsperf's shape) or
// each flow from an address of its own (many resolvers), with the address strings as Node hands
// them over (a fresh string per datagram, built here from parts so it is not interned), and reads
// the heap's total allocated bytes before and after (v8.getHeapStatistics()).
// Usage: node_modules/.bin/node bench/udp-flow-lookup.ts [lookups] [--json]
import { getHeapStatistics } from 'node:v8';
import { UdpFlowTable } from '../src/data/udp-flow-table.ts';
import { seededRandom } from '../src/balancers/seeded-random.ts';

const lookups = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000_000);
const json = process.argv.includes('--json');
const SIZES = [20, 1000, 16_384];

interface Case { name: string; build(keys: [string, number][]): (address: string, port: number) => unknown }

const CASES: Case[] = [
  {
    name: 'flow table (parsed address words)',
    build(keys) {
      const t = new UdpFlowTable<object>();
      for (const [a, p] of keys) t.set(0, a, p, {});
      return (a, p) => t.get(0, a, p);
    },
  },
  {
    name: 'Map, string key per datagram',
    build(keys) {
      const m = new Map<string, object>();
      for (const [a, p] of keys) m.set(`${a}:${p}`, {});
      return (a, p) => m.get(`${a}:${p}`);
    },
  },
  {
    name: 'Map per address, Map per port',
    build(keys) {
      const m = new Map<string, Map<number, object>>();
      for (const [a, p] of keys) {
        let byPort = m.get(a);
        if (!byPort) m.set(a, byPort = new Map());
        byPort.set(p, {});
      }
      return (a, p) => m.get(a)?.get(p);
    },
  },
];

const SPREADS = ['16 addresses', 'an address per flow'] as const;
const addressOf = (i: number, spread: (typeof SPREADS)[number]) => (spread === '16 addresses'
  ? ['10', '1', String(i % 16), String(7 + (i % 16))] : ['10', String(i >> 16), String((i >> 8) & 255), String(i & 255)]).join('.');

function measure(c: Case, flows: number, spread: (typeof SPREADS)[number]): { ns: number; bytes: number } {
  const random = seededRandom(flows);
  const keys: [string, number][] = [];
  for (let i = 0; i < flows; i++) keys.push([addressOf(i, spread), 1024 + i]);
  const lookup = c.build(keys);
  // Per datagram Node builds a new address string; build them ahead of the timed loop, in parts, so
  // they are distinct objects (not one interned literal) and their own allocation is not counted.
  const n = Math.min(lookups, 1 << 20);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = Math.floor(random() * flows);
  const addresses = Array.from(order, (k) => addressOf(k, spread));
  let found = 0;
  for (let i = 0; i < Math.min(n, 50_000); i++) if (lookup(addresses[i], keys[order[i]][1]) !== undefined) found++;
  const heap0 = getHeapStatistics().total_allocated_bytes;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) {
    const k = i & (n - 1);
    if (lookup(addresses[k], keys[order[k]][1]) !== undefined) found++;
  }
  const ns = Number(process.hrtime.bigint() - t0) / lookups;
  const bytes = (getHeapStatistics().total_allocated_bytes - heap0) / lookups;
  if (found < lookups) throw new Error(`${c.name}: a live flow was not found`);
  return { ns, bytes };
}

const rows: { name: string; spread: string; flows: number; ns: number; bytes: number }[] = [];
for (const spread of SPREADS) {
  for (const c of CASES) {
    for (const flows of SIZES) {
      // The fastest of three runs: other work on a shared machine only ever adds time.
      let best = { ns: Infinity, bytes: 0 };
      for (let r = 0; r < 3; r++) { const m = measure(c, flows, spread); if (m.ns < best.ns) best = m; }
      rows.push({ name: c.name, spread, flows, ...best });
    }
  }
}
if (json) console.log(JSON.stringify(rows));
else {
  console.log(`| lookup | clients | ${SIZES.map((s) => `${s.toLocaleString('en-US')} flows`).join(' | ')} |`);
  console.log(`|---|---|${SIZES.map(() => '---:').join('|')}|`);
  for (const spread of SPREADS) {
    for (const c of CASES) {
      const cells = SIZES.map((s) => { const r = rows.find((x) => x.name === c.name && x.spread === spread && x.flows === s)!; return `${r.ns.toFixed(0)} ns, ${r.bytes.toFixed(0)} B`; });
      console.log(`| ${c.name} | ${spread} | ${cells.join(' | ')} |`);
    }
  }
}
