// Real nginx backends (Debian's nginx) on loopback, each answering with its own name.
// Each instance is its own nginx master process with a private prefix dir; stopped by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export function nginxPath(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(p, ['-v']).status === 0) return p;
  }
  return undefined;
}

export interface NginxBackend {
  name: string;
  ip: string;
  port: number;
  pid: number;
  /** SIGSTOP / SIGCONT the master and its workers. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function startNginx(name: string, ip: string, port?: number): Promise<NginxBackend> {
  const bin = nginxPath();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const p = port ?? await freePort(ip);
  const prefix = mkdtempSync(join(tmpdir(), `nginx-${name}-`));
  mkdirSync(join(prefix, 'logs'));
  const conf = `
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 100000;
  server {
    listen ${ip}:${p} reuseport;
    location / { add_header X-Backend ${name}; return 200 "backend ${name}\\n"; }
    location /big { add_header X-Backend ${name}; alias ${prefix}/big.bin; }
  }
}`;
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  writeFileSync(join(prefix, 'big.bin'), Buffer.alloc(1 << 20, 120));
  const child: ChildProcess = spawn(bin, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx ${name} exited: ${err}`);
    try {
      const r = await fetch(`http://${ip}:${p}/`);
      if (r.ok) { await r.text(); break; }
    } catch { /* starting */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`nginx ${name} did not start: ${err}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const signalAll = (sig: NodeJS.Signals) => {
    // the master and its worker (children of the master)
    const kids = spawnSync('pgrep', ['-P', String(child.pid)]).stdout?.toString().trim().split(/\s+/).filter(Boolean) ?? [];
    for (const pid of [child.pid!, ...kids.map(Number)]) { try { process.kill(pid, sig); } catch { /* gone */ } }
  };
  return {
    name, ip, port: p, pid: child.pid!,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    async stop() {
      if (child.exitCode === null) {
        signalAll('SIGCONT');
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        const t = setTimeout(() => signalAll('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
