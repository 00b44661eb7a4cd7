// The raw TCP backend for the throughput load, run as its own process so its CPU is not the load
// generator's: `node bench/sink-server.ts IP` prints {"port":N} and serves until SIGTERM.
// Protocol, repeatable on one connection: the client sends a 5-byte header — a mode byte and a
// uint32 BE length — then, for mode 'U' (upload), that many bytes, which the sink discards before
// answering 'K'; for mode 'E' (echo) the sink sends the bytes back. 'U' with length 0 is a ping.
import net from 'node:net';

const ip = process.argv[2] ?? '127.0.0.1';
const sockets = new Set<net.Socket>();

const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  const header = Buffer.alloc(5);
  let headerBytes = 0;
  let mode = 0;
  let remaining = 0;
  socket.on('data', (buf: Buffer) => {
    let off = 0;
    while (off < buf.length) {
      if (remaining === 0 && headerBytes < 5) {
        const take = Math.min(5 - headerBytes, buf.length - off);
        buf.copy(header, headerBytes, off, off + take);
        headerBytes += take;
        off += take;
        if (headerBytes < 5) return;
        mode = header[0];
        remaining = header.readUInt32BE(1);
        if (remaining === 0) { headerBytes = 0; socket.write('K'); }
        continue;
      }
      const take = Math.min(remaining, buf.length - off);
      if (mode === 0x45 /* E */) socket.write(buf.subarray(off, off + take));
      remaining -= take;
      off += take;
      if (remaining === 0) {
        headerBytes = 0;
        if (mode === 0x55 /* U */) socket.write('K');
      }
    }
  });
});

server.listen(0, ip, () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + '\n');
});

process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
});
