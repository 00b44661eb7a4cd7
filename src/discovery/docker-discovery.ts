// `serve --discover docker`: every running container a Pod, kept current from the Engine's event
// stream. Main thread.
//
// Catching up without missing or duplicating anything: each connection first subscribes to
// /events, then lists the running containers and inspects each, so a change after the list is
// on the stream and one before it is in the list. Every change to one container (an event, a
// list entry) is queued behind the previous one for that container and re-inspects it, so the
// last word is always the engine's current state, whatever order replies arrive in. The Pods
// are handed to the registry as one complete set (`syncDiscoveredPods`), which keeps what did not
// change and removes what is no longer listed. On losing the engine the last known Pods stay,
// a Warning event says so, and the connection is retried with back-off, re-listing on success;
// any failed inspect also reconnects, for the same re-list.
import type { DiscoveredPod } from '../control/discovered-pods.ts';
import type { Registry } from '../control/registry.ts';
import type { Pod } from '../model/types.ts';
import { SyError } from '../model/sy-error.ts';
import { ANNOTATION_DISCOVERED_BY, containerName, containerToPod, DOCKER_SOURCE, type DockerPodOptions } from './docker-container-pod.ts';
import type { DockerEngineClient } from './docker-engine-client.ts';
import type { ContainerInspect, EngineEvent } from './docker-engine-types.ts';
import { eventEffect, type ContainerChange, type EventEffect } from './docker-event-effect.ts';
import { assignPodNames } from './docker-pod-names.ts';

export type DockerDiscoveryTarget = Pick<Registry, 'syncDiscoveredPods' | 'recordEvent' | 'list'>;

export interface DockerDiscoveryOptions extends DockerPodOptions {
  client: DockerEngineClient;
  target: DockerDiscoveryTarget;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** First reconnect delay, doubled after each failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a container that was sent its stop signal stays out while it still runs. */
  stopGraceMs?: number;
  /** When to read a health result again after an event that does not carry it. */
  healthRecheckMs?: number[];
}

export interface DockerDiscovery {
  /** Settles after the first attempt: the containers are Pods, or the engine could not be reached (retried in the background). */
  ready(): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

const INSPECTS_IN_FLIGHT = 8;

/** What to do about the usual reasons the socket cannot be opened. */
function hint(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return ' (is the engine running? mount its socket, e.g. -v /var/run/docker.sock:/var/run/docker.sock:ro, or set DOCKER_HOST)';
  if (code === 'EACCES') return ' (switchyard\'s user may not open the socket: give it the socket\'s group, e.g. group_add in compose)';
  return '';
}

export function startDockerDiscovery(o: DockerDiscoveryOptions): DockerDiscovery {
  const { client, target, log } = o;
  const initialBackoff = o.initialBackoffMs ?? 200;
  const maxBackoff = o.maxBackoffMs ?? 10_000;
  const stopGrace = o.stopGraceMs ?? 60_000;
  // podman stores a health result a few milliseconds after announcing it.
  const healthRechecks = o.healthRecheckMs ?? [250, 1000];
  const host = client.endpoint.host;
  const containers = new Map<string, ContainerInspect>();
  const stopping = new Map<string, ReturnType<typeof setTimeout>>();
  const rechecks = new Set<ReturnType<typeof setTimeout>>();
  const queues = new Map<string, Promise<void>>();
  const reported = new Map<string, Set<string>>();
  let closed = false;
  let isConnected = false;
  let connection: AbortController | undefined;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let flushing: Promise<void> | undefined;
  let flushAgain = false;
  /** Pod name → owner, as last handed to the registry (for the log lines about what changed). */
  let shown = new Map<string, string>();
  let firstAttempt!: () => void;
  const ready = new Promise<void>((r) => { firstAttempt = r; });
  let wake: (() => void) | undefined;

  const engineRef = { kind: 'DockerEngine', namespace: o.namespace, name: DOCKER_SOURCE };

  async function limited<T>(fn: () => Promise<T>): Promise<T> {
    while (inFlight >= INSPECTS_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
    try { return await fn(); } finally { inFlight--; waiting.shift()?.(); }
  }

  /** Runs `effect` for container `id` after every change queued for it before. */
  function enqueue(id: string, effect: EventEffect, health?: string): Promise<void> {
    const run = (queues.get(id) ?? Promise.resolve()).then(() => apply(id, effect, health)).catch((err) => {
      const current = connection;
      // Once the connection is given up, the re-list on reconnecting inspects everything again.
      if (closed || !current || current.signal.aborted) return;
      log('warn', `docker: inspecting container ${id.slice(0, 12)} failed (${(err as Error).message}); reconnecting to re-list`);
      current.abort();
    });
    queues.set(id, run);
    void run.then(() => { if (queues.get(id) === run) queues.delete(id); });
    return run;
  }

  async function apply(id: string, effect: EventEffect, health?: string): Promise<void> {
    if (closed) return;
    if (effect === 'gone' || effect === 'started') {
      clearTimeout(stopping.get(id));
      stopping.delete(id);
    }
    if (effect === 'gone') return forget(id);
    if (effect === 'stopping') {
      clearTimeout(stopping.get(id));
      // A container that survives its stop signal comes back once the grace has passed.
      const timer = setTimeout(() => { stopping.delete(id); void enqueue(id, 'refresh'); }, stopGrace);
      timer.unref();
      stopping.set(id, timer);
      return forget(id);
    }
    if (stopping.has(id)) return;
    const c = await limited(() => client.inspect(id));
    if (closed) return;
    if (!c || !c.State?.Running || c.State.Restarting) return forget(id);
    if (health && c.State.Health) c.State.Health.Status = health;
    containers.set(id, c);
    scheduleFlush();
  }

  function forget(id: string): void {
    if (containers.delete(id)) scheduleFlush();
    reported.delete(id);
  }

  function report(id: string, podName: string, message: string): void {
    let seen = reported.get(id);
    if (!seen) reported.set(id, seen = new Set());
    if (seen.has(message)) return;
    seen.add(message);
    log('warn', `docker: ${message}`);
    target.recordEvent({ kind: 'Pod', namespace: o.namespace, name: podName }, 'Warning', 'ContainerNotMapped', message, DOCKER_SOURCE);
  }

  function scheduleFlush(): void {
    if (flushing) { flushAgain = true; return; }
    flushing = new Promise<void>((r) => setImmediate(r)).then(flush).finally(() => {
      flushing = undefined;
      if (flushAgain && !closed) { flushAgain = false; scheduleFlush(); }
    });
  }

  async function flush(): Promise<void> {
    if (closed) return;
    const applied = new Set((target.list('Pod', o.namespace) as Pod[])
      .filter((p) => p.metadata.annotations?.[ANNOTATION_DISCOVERED_BY] !== DOCKER_SOURCE).map((p) => p.metadata.name));
    const list = [...containers.values()];
    const names = assignPodNames(list.map((c) => ({ id: c.Id, name: containerName(c), created: c.Created ?? '' })), (n) => applied.has(n));
    const pods: DiscoveredPod[] = [];
    for (const c of list) {
      const name = containerName(c);
      const podName = names.get(c.Id)!;
      const mapped = containerToPod(c, podName, o);
      if ('skipped' in mapped) { report(c.Id, podName, `container ${name} is not a backend: ${mapped.skipped}`); continue; }
      for (const p of mapped.problems) report(c.Id, podName, `container ${name}: ${p}`);
      pods.push({
        pod: mapped.pod, owner: `the Docker container ${name} (${c.Id.slice(0, 12)})`,
        remedy: `change the container instead (docker stop ${name}, docker rm ${name}, or its labels)`,
      });
    }
    try {
      const result = await target.syncDiscoveredPods(DOCKER_SOURCE, pods);
      for (const r of result.rejected) log('warn', `docker: Pod ${r.namespace}/${r.name} left out: ${r.message}`);
      const left = new Set(result.rejected.map((r) => r.name));
      const now = new Map(pods.filter((p) => !left.has(p.pod.metadata.name!)).map((p) => [p.pod.metadata.name!, p.owner]));
      for (const [name, owner] of now) if (!shown.has(name)) log('info', `docker: Pod ${o.namespace}/${name} added for ${owner}`);
      for (const [name, owner] of shown) if (!now.has(name)) log('info', `docker: Pod ${o.namespace}/${name} removed: ${owner} stopped or is no backend any more`);
      shown = now;
    } catch (err) {
      if (!closed) log('error', `docker: updating the discovered Pods failed: ${(err as Error).message}`);
    }
  }

  function onEvent(e: EngineEvent): void {
    if (closed) return;
    const change = eventEffect(e, (id) => containers.get(id)?.Config?.StopSignal);
    if (!change) return;
    void enqueue(change.id, change.effect, change.health);
    if (change.healthUnknown) recheck(change);
  }

  /** Reads a health result again a little later: podman emits the event before it stores the status. */
  function recheck(change: ContainerChange): void {
    for (const ms of healthRechecks) {
      const timer = setTimeout(() => { rechecks.delete(timer); void enqueue(change.id, 'refresh'); }, ms);
      timer.unref();
      rechecks.add(timer);
    }
  }

  async function relist(): Promise<number> {
    const running = await client.listRunning();
    const ids = new Set(running.map((c) => c.Id));
    const changes: Promise<void>[] = [];
    for (const id of containers.keys()) if (!ids.has(id)) changes.push(enqueue(id, 'gone'));
    for (const id of ids) changes.push(enqueue(id, 'refresh'));
    await Promise.all(changes);
    await settled();
    return ids.size;
  }

  /** Resolves once the Pods handed to the registry reflect every change applied so far. */
  async function settled(): Promise<void> {
    while (flushing) await flushing;
  }

  async function loop(): Promise<void> {
    let backoff = initialBackoff;
    let lost = false;
    let everConnected = false;
    while (!closed) {
      const ac = new AbortController();
      connection = ac;
      try {
        const sub = await client.events(onEvent, ac.signal);
        const count = await relist();
        if (ac.signal.aborted) throw new SyError('SY_DOCKER_LOST', 'an inspect failed while listing');
        isConnected = true;
        everConnected = true;
        backoff = initialBackoff;
        log('info', `docker: following ${host}: ${count} running container${count === 1 ? '' : 's'}`);
        if (lost) target.recordEvent(engineRef, 'Normal', 'DockerEngineReconnected', `connected to ${host} and listed ${count} running containers`, DOCKER_SOURCE);
        lost = false;
        firstAttempt();
        await sub.ended;
        if (ac.signal.aborted && !closed) throw new SyError('SY_DOCKER_LOST', 'an inspect failed');
      } catch (err) {
        if (closed) break;
        ac.abort();
        // The event's text is stable, so that repeats aggregate into one event with a count.
        const cause = `${(err as Error).message}${hint(err)}`;
        const event = everConnected ? `lost the Docker Engine at ${host}: ${cause}` : `cannot reach the Docker Engine at ${host}: ${cause}`;
        isConnected = false;
        lost = true;
        log('warn', `docker: ${event}; keeping the last known ${containers.size} container Pods, retrying in ${(backoff / 1000).toFixed(1)} s`);
        target.recordEvent(engineRef, 'Warning', 'DockerEngineUnreachable', event, DOCKER_SOURCE);
        firstAttempt();
        await new Promise<void>((r) => { wake = r; setTimeout(r, backoff).unref(); });
        wake = undefined;
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
    isConnected = false;
  }

  const running = loop();
  return {
    ready: () => ready,
    connected: () => isConnected,
    async close() {
      if (closed) return;
      closed = true;
      connection?.abort();
      wake?.();
      for (const t of [...stopping.values(), ...rechecks]) clearTimeout(t);
      firstAttempt();
      await running;
      await Promise.allSettled([...queues.values()]);
      await settled();
      await client.close();
    },
  };
}
