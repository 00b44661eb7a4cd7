// Resident memory of processes from /proc/PID/status (VmRSS), so every proxy is measured the same
// way whatever its process model (switchyard: one process; nginx: master + worker).
import { readFileSync } from 'node:fs';

/** Sum of VmRSS of `pids`, in bytes; a process that is gone counts 0. */
export function rssBytes(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    let status: string;
    try { status = readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { continue; }
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m) kb += Number(m[1]);
  }
  return kb * 1024;
}
