// Starts bench/sink-server.ts as a child process on `ip` and waits for the port it bound.
import { createInterface } from 'node:readline';
import { spawnManaged } from './spawn-managed.ts';

export interface Sink { ip: string; port: number; pid: number; stop(): Promise<void> }

export async function startSink(ip: string): Promise<Sink> {
  const proc = spawnManaged(process.execPath, [new URL('./sink-server.ts', import.meta.url).pathname, ip]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sink did not start:\n${proc.output()}`)), 10_000);
    createInterface({ input: proc.child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    proc.child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`sink exited (${code}):\n${proc.output()}`)); });
  }).catch(async (err) => { await proc.stop('SIGKILL'); throw err; });
  return { ip, port, pid: proc.pid, stop: async () => { await proc.stop('SIGTERM', 5000); } };
}
