// Demo backends for the quickstart: a separate process running small HTTP servers, one per
// address given, each answering with its own name so a newcomer sees responses rotate.
// Usage: node demo-backend-process.ts PORT IP [IP...]   (PORT 0 = any free port)
// Prints one JSON line `[{ "ip": ..., "port": ... }, ...]` once all are listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [portText, ...ips] = process.argv.slice(2);
const bound = await Promise.all(ips.map((ip, i) => new Promise<{ ip: string; port: number }>((resolve, reject) => {
  const name = `demo-nginx-${i + 1}`;
  const server = createServer((req, res) => {
    const body = `Hello from ${name} (${ip}:${(server.address() as AddressInfo).port}), a switchyard demo backend. You asked for ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.once('error', reject);
  server.listen(Number(portText), ip, () => resolve({ ip, port: (server.address() as AddressInfo).port }));
})));
process.stdout.write(JSON.stringify(bound) + '\n');
process.on('SIGTERM', () => process.exit(0));
// The parent holds our stdin open; when it dies (even by SIGKILL) stdin ends and so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
