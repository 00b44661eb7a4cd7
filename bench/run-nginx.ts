// Debian's nginx as an unprivileged instance with a private prefix directory (no /etc/nginx, no
// /var/log), one master process stopped by PID; its workers are its direct children.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childPids } from './cpu-seconds.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';

export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export function nginxBinary(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(p, ['-v']).status === 0) return p;
  }
  return undefined;
}

export interface NginxProcess {
  prefix: string;
  /** The master and its workers. */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * Writes `conf(prefix)` (everything after the common main-context lines) and runs nginx in the
 * foreground until `ready()` is true. `files` are written into the prefix first.
 */
export async function runNginx(label: string, mainContext: string, conf: (prefix: string) => string,
  ready: () => Promise<boolean>, files: Record<string, Buffer> = {}): Promise<NginxProcess> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const prefix = mkdtempSync(join(tmpdir(), `bench-nginx-${label}-`));
  // mkdtemp makes it 0700; nginx started as root serves files from workers running as nobody.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(prefix, name), data);
  writeFileSync(join(prefix, 'nginx.conf'), `${mainContext}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
${conf(prefix)}
`);
  const proc = spawnManaged(bin, ['-p', prefix, '-e', `${prefix}/logs/error.log`, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;']);
  const pids = () => [proc.pid, ...childPids(proc.pid)];
  const stop = async () => {
    const workers = childPids(proc.pid);
    await proc.stop('SIGQUIT', 5000);
    // Only if the master had to be killed can its workers be left behind.
    for (const pid of workers) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitUntil(`nginx ${label}`, ready, 10_000, proc.running);
  } catch (err) {
    const out = proc.output();
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return { prefix, pids, stop };
}
