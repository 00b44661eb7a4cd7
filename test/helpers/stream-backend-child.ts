// A backend in its own process, for tests that kill it: `node stream-backend-child.ts NAME`.
// Listens on 127.0.0.1 (port from the OS, printed as one line), greets each connection with
// NAME and a newline, then streams 16 KiB every 5 ms and never reads what the client sends — so
// when it is killed with bytes unread, the kernel resets its connections instead of ending them.
// Exits by itself after 60 s, so a test that forgets it cannot leave it behind for long.
import net from 'node:net';

const name = process.argv[2] ?? 'backend';
const chunk = Buffer.alloc(16 * 1024, 0x61);
// pauseOnConnect: the socket never reads, so what the client sends stays in the kernel.
const server = net.createServer({ pauseOnConnect: true }, (s) => {
  s.on('error', () => {});
  s.write(`${name}\n`);
  const timer = setInterval(() => { if (s.writableLength < 1 << 20) s.write(chunk); }, 5);
  s.on('close', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
setTimeout(() => process.exit(0), 60_000).unref();
