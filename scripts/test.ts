// The whole test suite: type check, then uvu over the three tiers. Unit tests share one process;
// each integration and e2e file runs in its own process with a time limit, so a leaked socket or
// worker in one file can neither hang nor disturb another. Ends with `N passed, N failed`.
// Usage: npm test [-- unit|integration|e2e|typecheck ...] [-- --filter SUBSTRING]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'node_modules', '.bin');
const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1] : '';
const tiers = args.length ? args : ['typecheck', 'unit', 'integration', 'e2e'];
// A hang's safety net, not a speed target: on a loaded 2-core machine the slowest files (etcd,
// podman, health loops) take 2-3 minutes, several times what they take alone.
const FILE_TIMEOUT_MS = Number(process.env.SWITCHYARD_TEST_TIMEOUT_MS ?? 360_000);

let passed = 0;
let failed = 0;
const failures: string[] = [];

function run(cmd: string, argv: string[], timeoutMs: number): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '';
    const onData = (d: Buffer) => { out += d; process.stdout.write(d); };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, timedOut }); });
  });
}

function tally(label: string, r: { code: number | null; out: string; timedOut: boolean }): void {
  const text = r.out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = /Total:\s+(\d+)/.exec(text);
  const pass = /Passed:\s+(\d+)/.exec(text);
  const skip = /Skipped:\s+(\d+)/.exec(text);
  if (total && pass && !r.timedOut) {
    const t = Number(total[1]);
    const p = Number(pass[1]);
    const f = t - p - Number(skip?.[1] ?? 0);
    passed += p;
    failed += f;
    if (f > 0 || r.code !== 0) failures.push(label);
    if (f === 0 && r.code !== 0) { failed += 1; }
  } else {
    failed += 1;
    failures.push(`${label}${r.timedOut ? ' (timed out)' : ' (crashed before reporting)'}`);
  }
}

function testFiles(dir: string): string[] {
  const abs = join(root, dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts') && relative(root, p).includes(filter)) out.push(relative(root, p));
    }
  };
  try { walk(abs); } catch { /* tier folder absent */ }
  return out;
}

for (const tier of tiers) {
  if (tier === 'typecheck') {
    // The server's code, then the browser's (src/web/client: the DOM library, no Node types).
    for (const project of ['.', 'src/web/client']) {
      console.log(`\n# typecheck: tsc --noEmit -p ${project}`);
      const r = await run(join(bin, 'tsc'), ['--noEmit', '-p', project], 600_000);
      if (r.code === 0) passed += 1; else { failed += 1; failures.push(`typecheck ${project}`); }
    }
    continue;
  }
  const files = testFiles(join('test', tier));
  if (files.length === 0) continue;
  if (tier === 'unit') {
    console.log(`\n# unit: ${files.length} files`);
    const pattern = filter ? filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '.*\\.test\\.ts$' : '\\.test\\.ts$';
    tally('unit', await run(join(bin, 'uvu'), ['test/unit', pattern], FILE_TIMEOUT_MS));
    continue;
  }
  for (const file of files) {
    console.log(`\n# ${file}`);
    const name = file.split('/').pop()!;
    const dir = file.slice(0, -name.length - 1);
    const pattern = '^' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
    tally(file, await run(join(bin, 'uvu'), [dir, pattern], FILE_TIMEOUT_MS));
  }
}

if (failures.length) console.log(`\nfailed: ${failures.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
