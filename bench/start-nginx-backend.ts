// One HTTP backend: Debian's nginx answering `/` with a short body (keep-alive) and `/big` with a
// 1 MiB file. Two of these sit behind every target.
import { freePort } from './free-port.ts';
import { httpGet } from './http-get.ts';
import { runNginx } from './run-nginx.ts';

export const BIG_BYTES = 1 << 20;

export interface NginxBackend { name: string; ip: string; port: number; pids(): number[]; stop(): Promise<void> }

export async function startNginxBackend(name: string, ip: string): Promise<NginxBackend> {
  const port = await freePort(ip);
  const nginx = await runNginx(name, '', (prefix) => `
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server {
    listen ${ip}:${port} backlog=4096;
    location = / { return 200 "backend ${name}\\n"; }
    location = /big { alias ${prefix}/big.bin; }
  }
}`, async () => (await httpGet(`http://${ip}:${port}/`)).status === 200, { 'big.bin': Buffer.alloc(BIG_BYTES, 120) });
  return { name, ip, port, pids: nginx.pids, stop: nginx.stop };
}
