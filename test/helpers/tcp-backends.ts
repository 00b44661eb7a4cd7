// Plain Node TCP backends for integration tests: each greets with its name on connect, then echoes.
import net from 'node:net';

export interface TcpBackend {
  name: string;
  ip: string;
  port: number;
  /** Sockets currently open on this backend. */
  connections: Set<net.Socket>;
  close(): Promise<void>;
}

export function startTcpBackend(name: string, ip = '127.0.0.1', port = 0): Promise<TcpBackend> {
  const connections = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
    s.on('error', () => {});
    s.write(`${name}\n`);
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      resolve({
        name, ip, port: (server.address() as net.AddressInfo).port, connections,
        close: () => new Promise((r) => {
          for (const c of connections) c.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

/** Connect (from `localAddress`, when given), read the greeting line (the backend's name), keep the socket open. */
export function connectAndGreet(host: string, port: number, timeoutMs = 5000, localAddress?: string): Promise<{ socket: net.Socket; name: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    let buf = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no greeting from ${host}:${port}`)); }, timeoutMs);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('data', function onData(d) {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve({ socket, name: buf.slice(0, nl) });
      }
    });
  });
}

/** Send `text` and wait for it to come back (the echo). */
export function roundTrip(socket: net.Socket, text: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const timer = setTimeout(() => { socket.off('data', onData); resolve(false); }, timeoutMs);
    function onData(d: Buffer) {
      buf += d;
      if (buf.includes(text)) { clearTimeout(timer); socket.off('data', onData); resolve(true); }
    }
    socket.on('data', onData);
    socket.write(text);
  });
}

/** `n` connections one after another, each closed after its greeting: how many each backend got. */
export async function greetingCounts(host: string, port: number, n: number): Promise<Record<string, number>> {
  const got: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const { socket, name } = await connectAndGreet(host, port);
    socket.destroy();
    got[name] = (got[name] ?? 0) + 1;
  }
  return got;
}
