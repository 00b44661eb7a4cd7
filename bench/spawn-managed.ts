// A child process the benchmark owns: output kept for error messages, stopped by its PID with a
// grace period and then SIGKILL, so a wedged proxy cannot outlive the run.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ManagedProcess {
  pid: number;
  child: ChildProcess;
  output(): string;
  running(): boolean;
  /** Send `signal`, wait up to `graceMs` for exit, then SIGKILL; true if it had to be killed. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<boolean>;
}

export function spawnManaged(cmd: string, args: string[], cwd?: string): ManagedProcess {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-8000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => { out += `\nspawn failed: ${err.message}`; });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return {
    pid: child.pid,
    child,
    output: () => out,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      child.kill(signal);
      let killed = false;
      const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, graceMs);
      await exited;
      clearTimeout(timer);
      return killed;
    },
  };
}

/** Poll `check` every 100 ms until it returns true; throw after `timeoutMs` or when `alive` is false. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
