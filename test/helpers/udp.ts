// UDP pieces the data-plane tests share: a backend that answers every datagram with its tag, and a
// client socket that asks and waits (bounded) for one answer.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

export interface UdpBackend { port: number; host: string; received: number; close(): Promise<void> }

/** A UDP server on `host` answering each datagram with `${tag}:${datagram}`; `port` 0 = from the OS. */
export async function udpBackend(tag: string, host = '127.0.0.1', port = 0): Promise<UdpBackend> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const b = { host, received: 0 } as UdpBackend;
  socket.on('message', (msg, rinfo) => {
    b.received++;
    socket.send(`${tag}:${msg}`, rinfo.port, rinfo.address);
  });
  socket.bind(port, host);
  await once(socket, 'listening');
  return Object.assign(b, { port: socket.address().port, close: () => new Promise<void>((r) => socket.close(() => r())) });
}

export interface UdpClient { socket: Socket; port: number; ask(payload: string, port: number, host?: string, timeoutMs?: number): Promise<string>; close(): Promise<void> }

/** A client socket bound on `host` (one source address:port, i.e. one flow per destination). */
export async function udpClient(host = '127.0.0.1'): Promise<UdpClient> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  const waiting: ((s: string) => void)[] = [];
  socket.on('message', (msg) => waiting.shift()?.(msg.toString()));
  socket.on('error', () => {});
  return {
    socket, port: socket.address().port,
    ask(payload, port, to = '127.0.0.1', timeoutMs = 2000) {
      return new Promise<string>((resolve) => {
        const timer = setTimeout(() => { const i = waiting.indexOf(done); if (i >= 0) waiting.splice(i, 1); resolve('TIMEOUT'); }, timeoutMs);
        const done = (s: string) => { clearTimeout(timer); resolve(s); };
        waiting.push(done);
        socket.send(payload, port, to);
      });
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
