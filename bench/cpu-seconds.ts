// CPU time (user + system, all threads) of processes, read from /proc/PID/stat, so the proxies
// (switchyard, HAProxy, nginx) are charged the same way whatever their threading.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond = 0;

function clockTicks(): number {
  if (!ticksPerSecond) ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

/** The fields of a /proc stat file (`/proc/PID/stat`, `/proc/PID/task/TID/stat`) after the command
 *  name, so that field N of proc(5) is index N - 3 (utime 11, stime 12, minflt 7); null when gone. */
export function statFields(path: string): string[] | null {
  let stat: string;
  try { stat = readFileSync(path, 'utf8'); } catch { return null; }
  // The command name (field 2) may hold spaces and parentheses; the fields after it are fixed.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Sum of utime + stime of `pids`, in seconds; a process that is gone counts 0. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(`/proc/${pid}/stat`);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / clockTicks();
}

/** Direct children of `pid` (nginx's workers), from /proc rather than a process-name search. */
export function childPids(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks ? tasks.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}
