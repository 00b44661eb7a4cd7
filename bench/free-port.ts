// A port the OS says is free on `host` right now (bind port 0, read it, close). HAProxy and nginx
// need a number in their config; the small race between close and their bind is accepted.
import net from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** 127.A.B.0 with A, B random, so this run's addresses never collide with another run or a test. */
export function randomLoopbackNet(): string {
  return `127.${1 + Math.floor(Math.random() * 90)}.${Math.floor(Math.random() * 256)}`;
}
