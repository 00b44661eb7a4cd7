// Summarises V8 .cpuprofile files (from --cpu-prof): self time per function, busiest first, with
// idle time left out of the percentages so they say where the *working* time goes.
//   node bench/profile-summary.ts [--top 30] [--by file] [--inclusive REGEX] FILE.cpuprofile...
// --inclusive lists, for functions whose "name file" matches REGEX, self + callees' time.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const { values: args, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' }, by: { type: 'string', default: 'function' }, inclusive: { type: 'string' } },
  allowPositionals: true,
});

function shortUrl(url: string): string {
  if (!url) return '';
  const m = /\/(node_modules\/.*|src\/.*|bench\/.*)$/.exec(url);
  return m ? m[1] : url.replace(/^node:/, '');
}

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + dt);
  }
  const totals = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') { idle += us; continue; }
    busy += us;
    const key = args.by === 'file' ? (shortUrl(f.url) || f.functionName) : `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + us);
  }
  console.log(`\n${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
  if (args.inclusive) {
    const re = new RegExp(args.inclusive);
    const total = (id: number): number => (selfUs.get(id) ?? 0) + (byId.get(id)!.children ?? []).reduce((a, c) => a + total(c), 0);
    const incl = new Map<string, number>();
    for (const n of p.nodes) {
      const key = `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      if (re.test(key)) incl.set(key, (incl.get(key) ?? 0) + total(n.id));
    }
    for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
      console.log(`incl ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
    }
  }
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top));
  for (const [k, us] of top) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
