// A real etcd cluster for tests: Debian's etcd-server, `members` processes on `host` (loopback by
// default) with ports from the OS and data in a temporary directory. Every process is stopped by
// its PID in stop(); kill9() and restart() drive member faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const ETCD_BIN = '/usr/bin/etcd';

interface Member { name: string; clientPort: number; peerPort: number; dataDir: string; child?: ChildProcess; log: string }

export interface EtcdCluster {
  /** host:port of every member's client URL. */
  endpoints: string[];
  /** `etcd://…` for `serve --store`. */
  url(prefix?: string): string;
  kill9(index: number): Promise<void>;
  /** Starts a killed member again on its data directory. */
  restart(index: number): Promise<void>;
  pids(): number[];
  stop(): Promise<void>;
}

export async function startEtcdCluster(opts: { members?: number; host?: string } = {}): Promise<EtcdCluster> {
  const host = opts.host ?? '127.0.0.1';
  const n = opts.members ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'switchyard-etcd-'));
  const token = `sy-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    members.push({ name: `m${i}`, clientPort: await freePort(host), peerPort: await freePort(host), dataDir: join(root, `m${i}`), log: '' });
  }
  const initialCluster = members.map((m) => `${m.name}=http://${host}:${m.peerPort}`).join(',');

  const launch = (m: Member, state: 'new' | 'existing') => {
    const child = spawn(ETCD_BIN, [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', `http://${host}:${m.clientPort}`, '--advertise-client-urls', `http://${host}:${m.clientPort}`,
      '--listen-peer-urls', `http://${host}:${m.peerPort}`, '--initial-advertise-peer-urls', `http://${host}:${m.peerPort}`,
      '--initial-cluster', initialCluster, '--initial-cluster-state', state, '--initial-cluster-token', token,
      // Quick elections on loopback; tests wait for state, never for a fixed time.
      '--heartbeat-interval', '50', '--election-timeout', '500', '--log-level', 'warn', '--logger', 'zap',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    m.log = '';
    child.stdout!.on('data', (d) => { m.log = (m.log + d).slice(-20_000); });
    child.stderr!.on('data', (d) => { m.log = (m.log + d).slice(-20_000); });
    m.child = child;
  };
  const healthy = async (m: Member, deadlineMs: number) => {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (m.child?.exitCode !== null && m.child?.exitCode !== undefined) throw new Error(`etcd ${m.name} exited: ${m.log}`);
      try {
        const res = await fetch(`http://${host}:${m.clientPort}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd ${m.name} not healthy within ${deadlineMs} ms: ${m.log}`);
  };
  const stopMember = (m: Member, signal: NodeJS.Signals) => new Promise<void>((resolve) => {
    const c = m.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) { resolve(); return; }
    c.once('exit', () => resolve());
    process.kill(c.pid!, signal);
  });

  for (const m of members) launch(m, 'new');
  try {
    // Generous: on a starved machine (CPU steal) a first election can take many times its timeout.
    await Promise.all(members.map((m) => healthy(m, 60_000)));
  } catch (err) {
    for (const m of members) await stopMember(m, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    endpoints: members.map((m) => `${host}:${m.clientPort}`),
    url: (prefix = '') => `etcd://${members.map((m) => `${host}:${m.clientPort}`).join(',')}${prefix}`,
    kill9: (i) => stopMember(members[i], 'SIGKILL'),
    async restart(i) {
      launch(members[i], 'existing');
      await healthy(members[i], 60_000);
    },
    pids: () => members.map((m) => m.child?.pid ?? 0),
    async stop() {
      await Promise.all(members.map((m) => stopMember(m, 'SIGTERM')));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
