// Runs `switchyard serve` as a real child process, the way a user does, and the CLI against it.
// Every process started here is stopped by PID in stop()/kill9().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopback, randomServiceCidr } from './free-port.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'switchyard.js');

/** The environment for child processes: the test runner's colour settings make Node warn. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  return env;
}

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[], opts: { server?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT, env: childEnv({ ...(opts.server ? { SWITCHYARD_SERVER: opts.server } : {}), ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    // A command may stop reading stdin early (a size cap): the rest of the write then fails.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface SwitchyardProcess {
  url: string;
  stateDir: string;
  nodeAddress: string;
  serviceCidr: string;
  child: ChildProcess;
  output(): string;
  cli(args: string[], stdin?: string): Promise<CliResult>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  /** Start again on the same state dir and addresses. */
  restart(): Promise<SwitchyardProcess>;
}

export interface StartOptions {
  /** Run under this soft and hard open-file limit (`ulimit -n` in the shell that execs Node). */
  fdLimit?: number;
  /** Run inside this network namespace (`ip netns exec NS node …`; exec keeps the PID). */
  netns?: string;
  /** The admin API's address (default 127.0.0.1); any other needs `tokenFile`. */
  adminHost?: string;
  /** serve --token-file, and the same token for cli(). */
  tokenFile?: string;
}

export async function startSwitchyard(extraArgs: string[] = [], reuse?: { stateDir: string; nodeAddress: string; serviceCidr: string; adminPort: number }, opts: StartOptions = {}): Promise<SwitchyardProcess> {
  const stateDir = reuse?.stateDir ?? mkdtempSync(join(tmpdir(), 'switchyard-state-'));
  const nodeAddress = reuse?.nodeAddress ?? randomLoopback();
  const serviceCidr = reuse?.serviceCidr ?? randomServiceCidr();
  const adminPort = reuse?.adminPort ?? await freePort();
  const adminHost = opts.adminHost ?? '127.0.0.1';
  const url = `http://${adminHost}:${adminPort}`;
  const args = [BIN, 'serve', '--admin', `${adminHost}:${adminPort}`, '--state-dir', stateDir, '--service-cidr', serviceCidr,
    '--node-address', nodeAddress, '--workers', '2', ...(opts.tokenFile ? ['--token-file', opts.tokenFile] : []), ...extraArgs];
  // `exec` keeps the PID (ip netns exec execs too): stopping the child stops Node itself.
  const child = opts.fdLimit !== undefined
    ? spawn('sh', ['-c', `ulimit -n ${opts.fdLimit} && exec "$@"`, 'sh', process.execPath, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    : opts.netns !== undefined
      ? spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`switchyard exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`switchyard did not come up:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  const self: SwitchyardProcess = {
    url, stateDir, nodeAddress, serviceCidr, child,
    output: () => out,
    cli: (a, stdin) => runCli(a, { server: url, stdin, env: opts.tokenFile ? { SWITCHYARD_TOKEN_FILE: opts.tokenFile } : undefined }),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill9() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    restart: () => startSwitchyard(extraArgs, { stateDir, nodeAddress, serviceCidr, adminPort }, opts),
  };
  return self;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
