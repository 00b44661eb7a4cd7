// nginx `stream` (L4) in front of the backends: round-robin upstream (nginx's default), one
// worker process, no access log — the settings closest to one switchyard data-plane thread.
import { existsSync } from 'node:fs';
import { freePort } from './free-port.ts';
import { probeTarget } from './probe-target.ts';
import { runNginx, STREAM_MODULE } from './run-nginx.ts';
import type { Address, Target } from './target.ts';

export function nginxStreamAvailable(): string | undefined {
  return existsSync(STREAM_MODULE) ? undefined : `${STREAM_MODULE} is missing (apt-get install libnginx-mod-stream)`;
}

export async function startNginxStream(ip: string, backends: Address[], sink: Address): Promise<Target> {
  const httpPort = await freePort(ip);
  const sinkPort = await freePort(ip);
  const target: Target = {
    name: 'nginx', label: 'nginx stream', http: { host: ip, port: httpPort }, sink: { host: ip, port: sinkPort },
    pids: () => [], stop: async () => {},
  };
  const nginx = await runNginx('stream', `load_module ${STREAM_MODULE};`, () => `
events { worker_connections 16384; }
stream {
  upstream web { ${backends.map((b) => `server ${b.host}:${b.port};`).join(' ')} }
  upstream sink { server ${sink.host}:${sink.port}; }
  server { listen ${ip}:${httpPort} backlog=4096; proxy_pass web; proxy_connect_timeout 5s; proxy_timeout 120s; }
  server { listen ${ip}:${sinkPort} backlog=4096; proxy_pass sink; proxy_connect_timeout 5s; proxy_timeout 120s; }
}`, async () => (await probeTarget(target)) === undefined);
  target.pids = nginx.pids;
  target.stop = nginx.stop;
  return target;
}
