// kubelet's exec probe (pkg/probe/exec), run on this host: switchyard backends are processes here,
// not containers. The command is spawned without a shell; exit status 0 is success, anything else
// fails with the combined output (at most 10 KiB, as kubelet reads). On timeout the whole process
// group is killed (a `sh -c` wrapper would otherwise leave its children behind). Main thread.
import { spawn } from 'node:child_process';
import { errored, failed, inconclusive, isLocalError, type ProbeOutcome } from './probe-outcome.ts';

const MAX_OUTPUT = 10 * 1024;

/** Go's %q of the joined command, as kubelet's timeout error prints it. */
const quoted = (command: string[]) => JSON.stringify(command.join(' '));

export function probeExec(command: string[], timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  if (command.length === 0 || !command[0]) return Promise.resolve(errored('exec: no command'));
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    let timedOut = false;
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    const kill = () => {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    };
    const collect = (d: Buffer) => { if (output.length < MAX_OUTPUT) output = (output + d.toString('utf8')).slice(0, MAX_OUTPUT); };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const timer = setTimeout(() => { timedOut = true; kill(); }, timeoutMs);
    const onAbort = () => { kill(); };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (isLocalError(err.code)) { finish(inconclusive(err.code!)); return; }
      finish(errored(err.code === 'ENOENT'
        ? `exec: ${JSON.stringify(command[0])}: executable file not found in $PATH`
        : `exec: ${JSON.stringify(command[0])}: ${err.message}`));
    });
    child.once('close', (code, sig) => {
      if (timedOut) return finish(failed(`command ${quoted(command)} timed out`));
      if (code === 0) return finish({ ok: true, message: output });
      // kubelet reports only the output; when there is none, say how it ended instead of nothing.
      const why = output.trim() || (sig ? `command ${quoted(command)} killed by signal ${sig}` : `command ${quoted(command)} exited with code ${code}`);
      finish(failed(why));
    });
  });
}
