// HAProxy 2.6 in `mode tcp` in front of the backends: `balance roundrobin`, one thread
// (`nbthread 1`), no logging, no splice (its default) — comparable with one switchyard worker.
// maxconn 9000: room for the 8,000 idle connections plus probes, and 2 × 9000 fds fit the
// machine's 20,000 open files per process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { probeTarget } from './probe-target.ts';
import { spawnManaged, waitUntil } from './spawn-managed.ts';
import type { Address, Target } from './target.ts';

const HAPROXY = '/usr/sbin/haproxy';

export function haproxyAvailable(): string | undefined {
  return spawnSync(HAPROXY, ['-v']).status === 0 ? undefined : `${HAPROXY} is missing (apt-get install haproxy)`;
}

export async function startHaproxy(ip: string, backends: Address[], sink: Address): Promise<Target> {
  const httpPort = await freePort(ip);
  const sinkPort = await freePort(ip);
  const dir = mkdtempSync(join(tmpdir(), 'bench-haproxy-'));
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(conf, `global
  nbthread 1
  maxconn 9000
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend web
  bind ${ip}:${httpPort}
  default_backend web
backend web
  balance roundrobin
${backends.map((b, i) => `  server web${i + 1} ${b.host}:${b.port}`).join('\n')}
frontend sink
  bind ${ip}:${sinkPort}
  default_backend sink
backend sink
  server sink ${sink.host}:${sink.port}
`);
  // -db: foreground, one process (no master-worker), so its PID is all of HAProxy.
  const proc = spawnManaged(HAPROXY, ['-db', '-f', conf]);
  const target: Target = {
    name: 'haproxy', label: 'HAProxy', http: { host: ip, port: httpPort }, sink: { host: ip, port: sinkPort },
    pids: () => [proc.pid],
    async stop() {
      await proc.stop('SIGTERM', 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil('haproxy', async () => (await probeTarget(target)) === undefined, 10_000, proc.running);
  } catch (err) {
    const out = proc.output();
    await target.stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return target;
}
