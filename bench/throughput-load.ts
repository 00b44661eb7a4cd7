// Raw TCP throughput to the sink: `streams` long-lived connections, each repeatedly uploading
// `transferBytes` (header + payload, see sink-server.ts) and waiting for the sink's 'K', so only
// bytes that reached the sink count. Writes honour backpressure.
import net from 'node:net';
import type { Address } from './target.ts';

export interface ThroughputLoadResult { bytes: number; errors: number; elapsedS: number }

const CHUNK = Buffer.alloc(64 * 1024, 97);

function uploadLoop(addr: Address, transferBytes: number, deadline: number, count: (bytes: number) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    const header = Buffer.alloc(5);
    header[0] = 0x55;
    header.writeUInt32BE(transferBytes, 1);
    let left = 0;
    let failed = false;
    const timer = setTimeout(() => { failed = true; socket.destroy(); }, deadline - performance.now() + 10_000);
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return;
      }
    };
    const startTransfer = () => {
      if (performance.now() >= deadline) { clearTimeout(timer); socket.end(); socket.destroy(); resolve(!failed); return; }
      socket.write(header);
      left = transferBytes;
      pump();
    };
    socket.on('connect', startTransfer);
    socket.on('drain', pump);
    socket.on('data', (d: Buffer) => {
      for (const byte of d) {
        if (byte !== 0x4b) { failed = true; socket.destroy(); return; }
        count(transferBytes);
        startTransfer();
      }
    });
    socket.on('error', () => { failed = true; });
    socket.on('close', () => { clearTimeout(timer); resolve(!failed); });
  });
}

export async function runThroughputLoad(addr: Address, streams: number, transferBytes: number, durationS: number): Promise<ThroughputLoadResult> {
  let bytes = 0;
  const start = performance.now();
  const oks = await Promise.all(Array.from({ length: streams }, () =>
    uploadLoop(addr, transferBytes, start + durationS * 1000, (n) => { bytes += n; })));
  return { bytes, errors: oks.filter((ok) => !ok).length, elapsedS: (performance.now() - start) / 1000 };
}
