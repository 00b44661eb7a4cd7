// Stopping a running instance, or undoing a start that failed part-way: one order for both, so
// that each part stops before what it reads. Discovery first (it writes Pods), the leader lease
// next (handed over at once rather than after its TTL), then the admin API and what feeds it,
// DNS and the FQDN resolver, the health loop and the data-plane sync, the workers (drained on a
// stop), and the registry with its store last. Main thread.
import type { AdminServer } from '../admin/admin-server.ts';
import type { StatusSampler } from '../admin/status-sampler.ts';
import type { ReadinessSource } from '../control/control-plane-api.ts';
import type { Registry } from '../control/registry.ts';
import type { WorkerPool } from '../data/worker-pool.ts';
import type { DockerDiscovery } from '../discovery/docker-discovery.ts';
import type { FqdnResolver } from '../discovery/fqdn-resolver.ts';
import type { RunningDns } from '../dns/start-dns.ts';
import type { HealthManager } from '../health/health-manager.ts';
import type { DataPlaneSync } from '../proxy/data-plane-sync.ts';
import type { ListenerBudget } from '../proxy/listener-budget.ts';
import type { LeaderElection, Store } from '../store/store.ts';
import type { AccessLogSink } from './access-log-sink.ts';

/** How long a stop waits beyond the drain timeout for workers that never report back. */
const STOP_GRACE_MS = 5000;

/** What has started so far; filled in as start-up goes on. */
export interface StartedParts {
  store: Store;
  registry?: Registry;
  /** The registry's readiness once the health loop is gone (unprobed-readiness.ts, or none). */
  readinessWithoutHealth?: ReadinessSource;
  election?: LeaderElection;
  listenerBudget?: ListenerBudget;
  fqdn?: FqdnResolver;
  accessLog?: AccessLogSink;
  pool?: WorkerPool;
  sync?: DataPlaneSync;
  health?: HealthManager;
  docker?: DockerDiscovery;
  dns?: RunningDns;
  sampler?: StatusSampler;
  admin?: AdminServer;
}

export type Shutdown =
  /** A stop: connections drain for up to drainTimeoutMs; a failing step fails the stop. */
  | { kind: 'stop'; drainTimeoutMs: number; log: (level: 'error', message: string) => void }
  /** Undoing a failed start: nothing drains, and every step runs whatever the others did. */
  | { kind: 'undo' };

export async function shutDown(p: StartedParts, how: Shutdown): Promise<void> {
  const step = how.kind === 'stop'
    ? (s: () => unknown) => Promise.resolve(s())
    : (s: () => unknown) => Promise.resolve().then(s).catch(() => {});
  await step(() => p.docker?.close());
  await step(() => p.election?.close());
  await step(() => p.admin?.close());
  await step(() => p.sampler?.close());
  await step(() => p.dns?.close());
  await step(() => p.fqdn?.close());
  await step(() => {
    p.registry?.setReadiness(p.readinessWithoutHealth);
    p.registry?.setAdmission(undefined);
  });
  await step(() => p.listenerBudget?.close());
  await step(() => p.health?.close());
  await step(() => p.sync?.close());
  const pool = p.pool;
  if (pool && how.kind === 'stop') {
    // The drain is bounded by the drain timeout; the grace on top only guards against a worker
    // that never reports back, so that SIGTERM always ends the process.
    const graceMs = how.drainTimeoutMs + STOP_GRACE_MS;
    const finished = await within(pool.drain(how.drainTimeoutMs).then(() => pool.close()), graceMs);
    if (!finished) how.log('error', `the data-plane workers did not finish within ${graceMs} ms of the drain; stopping anyway`);
  } else {
    await step(() => pool?.close());
  }
  await step(() => (p.registry ? p.registry.close() : p.store.close()));
  // An undo does not wait for the file: its stream may be what failed.
  if (how.kind === 'stop') await p.accessLog?.end();
  else void p.accessLog?.end();
}

/** true when `p` settles within `ms`; false (and p left running) otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(() => { clearTimeout(timer); resolve(true); }, () => { clearTimeout(timer); resolve(true); });
  });
}
