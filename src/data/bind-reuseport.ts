// Binds one listener in every reuseport worker, but only where nobody else listens. Main thread
// (the worker pool's listen in reuseport mode).
//
// SO_REUSEPORT lets any process of this user join the workers' listening group and silently take a
// share of its connections (a second `switchyard serve` with the same manifests did). So: an
// exclusive bind (no SO_REUSEPORT) first proves the address free — it fails if any socket, reuseport
// or not, listens there — and also resolves port 0; once the workers are bound, the listening census
// proves that the only sockets listening there are theirs, since another process may have bound in
// between. Either failure is EADDRINUSE "in use by another process", and nothing stays bound.
import type { AddressInfo } from 'node:net';
import type { ListenerSpec, WorkerToMain } from '../shared/messages.ts';
import { BindError, bindMain } from './bind-main.ts';
import type { ListeningCensus } from './listening-census.ts';

export interface ReusePortGroup {
  census: ListeningCensus;
  stopping(): boolean;
  shuttingDown(): Error;
  /** Asks every worker to bind `concrete`; their replies. */
  listen(concrete: ListenerSpec): Promise<WorkerToMain[]>;
  /** Asks every worker to close the listener again. */
  unlisten(): Promise<void>;
}

/** Resolves with the bound port; rejects with a BindError (or the group's shuttingDown()). */
export async function bindReusePort(spec: ListenerSpec, g: ReusePortGroup): Promise<number> {
  const probe = await bindMain(spec, false);
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  if (g.stopping()) throw g.shuttingDown();
  const replies = await g.listen({ ...spec, port });
  const failed = replies.find((r) => r.type === 'listening' && r.error);
  let intruders = 0;
  if (!failed && !g.stopping()) {
    const ours = replies.filter((r) => r.type === 'listening' && !r.error).length;
    const all = await g.census.count(spec.address, port);
    if (all !== undefined && all > ours) intruders = all - ours;
  }
  if (failed || intruders > 0 || g.stopping()) {
    await g.unlisten();
    if (intruders > 0) {
      throw new BindError('SY_LISTEN_FAILED', `${spec.address}:${port} is in use by another process: ${intruders} socket(s) not ours ` +
        'began listening there (SO_REUSEPORT) while the workers bound it', 'EADDRINUSE');
    }
    throw failed?.type === 'listening' && failed.error ? new BindError(failed.error.code, failed.error.message, failed.error.systemCode) : g.shuttingDown();
  }
  return port;
}
