// GET on a fresh connection (`agent: false`, so `Connection: close`). fetch() would leave a pooled
// keep-alive connection behind, which holds up a server's graceful close (switchyard's admin API)
// and shows up as a stray connection to a backend.
import { get } from 'node:http';

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}
