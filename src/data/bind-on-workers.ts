// Binds one listener on the workers that serve it, but only where nobody else is bound. Main thread
// (the worker pool's listenOnWorkers: TCP listeners in reuseport mode, every UDP listener).
//
// SO_REUSEPORT lets any process of this user join the workers' socket group and silently take a
// share of its connections or datagrams (a second `switchyard serve` with the same manifests did).
// So: an exclusive bind (no SO_REUSEPORT) first proves the address free — it fails if any socket of
// the protocol, reuseport or not, holds it — and also resolves port 0; once the workers are bound,
// the census proves that the only sockets there are theirs, since another process may have bound in
// between. Either failure is EADDRINUSE "in use by another process", and nothing stays bound.
//
// The exclusive bind also fails on a wildcard socket elsewhere on the port (0.0.0.0:30000 held by
// another process, the listener on 127.0.0.5:30000), which takes none of this listener's traffic:
// the kernel matches the exact address first. There the census decides: nobody counted (nothing
// on this address), and the workers bind; if that process's socket has no SO_REUSEPORT, their bind
// fails and says so.
import type { AddressInfo } from 'node:net';
import type { ListenerSpec, WorkerToMain } from '../shared/messages.ts';
import { BindError, bindMain, probeUdpPort } from './bind-main.ts';
import type { ListeningCensus } from './listening-census.ts';

export interface WorkerBindGroup {
  census: ListeningCensus;
  stopping(): boolean;
  shuttingDown(): Error;
  /** Asks the workers that serve the listener to bind `concrete`; their replies. */
  listen(concrete: ListenerSpec): Promise<WorkerToMain[]>;
  /** Asks those workers to close the listener again. */
  unlisten(): Promise<void>;
  /** The exclusive bind that proves the address free; tests substitute one. Default: on this thread. */
  probe?(spec: ListenerSpec): Promise<number>;
}

/** An exclusive bind on this thread that proves `spec` free: the port it got (a requested 0
 *  resolved). Rejects with a BindError. */
async function probe(spec: ListenerSpec): Promise<number> {
  if (spec.protocol === 'UDP') return probeUdpPort(spec);
  const server = await bindMain(spec, false);
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves with the bound port; rejects with a BindError (or the group's shuttingDown()). */
export async function bindOnWorkers(spec: ListenerSpec, g: WorkerBindGroup): Promise<number> {
  const port = await (g.probe ?? probe)(spec).catch(async (err: BindError) => {
    if (err.systemCode !== 'EADDRINUSE' || spec.port === 0 || await g.census.count(spec.address, spec.port, spec.protocol) !== 0) throw err;
    return spec.port;
  });
  if (g.stopping()) throw g.shuttingDown();
  const replies = await g.listen({ ...spec, port });
  const failed = replies.find((r) => r.type === 'listening' && r.error);
  let intruders = 0;
  if (!failed && !g.stopping()) {
    const ours = replies.filter((r) => r.type === 'listening' && !r.error).length;
    const all = await g.census.count(spec.address, port, spec.protocol);
    if (all !== undefined && all > ours) intruders = all - ours;
  }
  if (failed || intruders > 0 || g.stopping()) {
    await g.unlisten();
    if (intruders > 0) {
      throw new BindError('SY_LISTEN_FAILED', `${spec.address}:${port} is in use by another process: ${intruders} socket(s) not ours ` +
        `were bound there (${spec.protocol}, SO_REUSEPORT) while the workers bound it`, 'EADDRINUSE');
    }
    throw failed?.type === 'listening' && failed.error ? new BindError(failed.error.code, failed.error.message, failed.error.systemCode) : g.shuttingDown();
  }
  return port;
}
