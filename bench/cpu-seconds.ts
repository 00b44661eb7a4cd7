// CPU time (user + system, all threads) of processes, read from /proc/PID/stat, so the proxies
// (switchyard, HAProxy, nginx) are charged the same way whatever their threading.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond = 0;

function clockTicks(): number {
  if (!ticksPerSecond) ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

/** Sum of utime + stime of `pids`, in seconds; a process that is gone counts 0. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    // The command name (field 2) may hold spaces and parentheses; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
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
