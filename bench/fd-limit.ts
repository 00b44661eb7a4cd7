// The open-file limit of this process, and a way to raise it: Node cannot call setrlimit, so a
// process that needs more re-runs itself through a shell that raises the soft limit (up to the hard
// limit) first. Used by bench/run.ts before it holds thousands of idle connections.
import { spawnSync } from 'node:child_process';

/** Soft and hard RLIMIT_NOFILE as a child shell inherits them (the same as this process's). */
export function fdLimits(): { soft: number; hard: number } {
  const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = r.stdout.trim().split('\n').map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft || 1024, hard: hard || soft || 1024 };
}

const MARK = 'SWITCHYARD_BENCH_FD_RAISED';

/**
 * When the soft limit is below `needed` and the hard limit allows it, runs this same command again
 * under `ulimit -n` and exits with its status (returns never); otherwise returns what is available.
 */
export function ensureFdLimit(needed: number): number {
  const { soft, hard } = fdLimits();
  if (soft >= needed || process.env[MARK]) return soft;
  if (hard < needed) return soft;
  const r = spawnSync('sh', ['-c', `ulimit -n ${needed} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [MARK]: '1' } });
  process.exit(r.status ?? 1);
}
