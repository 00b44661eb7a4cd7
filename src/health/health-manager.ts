// The health-check loop. Main thread. Implements the control plane's ReadinessSource: Pod readiness
// comes from probe state (probe-state.ts, kubelet's hysteresis), and every Pod transition asks the
// registry to recompute endpoints; manual endpoints (no Pod) and passive ejections are flags in the
// shared endpoint table (passive-ejector.ts). Targets follow the registry: the Services a change
// notice names (coalesced) and the Pods they select are recomputed, a Pod whose probes changed when
// the registry asks about it, and everything on a slow timer as a safety net (it also picks up
// Pods no Service selects). Per-change work is proportional to what changed (HealthTargetIndex,
// fed by update-health-index.ts). The live targets are a HealthTargetSet, brought up to date by a
// diff (target-changes.ts); bursts of changes are coalesced (coalesced-changes.ts); a Pod's verdict
// is pod-readiness.ts; log lines and events go through health-reporter.ts.
import type { PublishedVerdicts, ReadinessSource } from '../control/control-plane-api.ts';
import { joinHostPort } from '../model/ip-address.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import { CoalescedChanges } from './coalesced-changes.ts';
import type { Pod } from '../model/types.ts';
import { systemClock, type HealthClock } from './health-clock.ts';
import type { HealthRegistry } from './health-registry.ts';
import { createHealthReporter } from './health-reporter.ts';
import { HealthTargetSet, type HealthTarget } from './health-target-set.ts';
import type { DefaultProbeOptions, TargetSpec } from './health-targets.ts';
import { HealthTargetIndex } from './health-target-index.ts';
import { PassiveEjector, type EjectionOptions, type EjectorSlots } from './passive-ejector.ts';
import { podReadiness } from './pod-readiness.ts';
import type { ProbeOutcome } from './probe-outcome.ts';
import { closeHttpProbeAgents } from './probe-http.ts';
import { ProbeScheduler } from './probe-scheduler.ts';
import { initialProbeState, probeDue, recordProbeResult } from './probe-state.ts';
import { runProbe, type RunProbe } from './run-probe.ts';
import { targetChanges } from './target-changes.ts';
import { updateHealthIndex } from './update-health-index.ts';

export type { HealthRegistry } from './health-registry.ts';

/** Probe period of a target the data plane saw failing, until its state settles (never slower
 *  than the target's own period). With the passive loop reading the failure counters every 0.5 s
 *  and the implicit probe's failureThreshold 3, a backend refusing connections is out of the
 *  endpoints 1–1.5 s after the first refused connect (a probe now, two more 0.5 s apart). */
export const FAST_PROBE_MS = 500;
export type { RunProbe } from './run-probe.ts';

export interface HealthManagerOptions {
  registry: HealthRegistry;
  slots: EjectorSlots;
  clock?: HealthClock;
  random?: () => number;
  defaultProbe: DefaultProbeOptions;
  ejection?: Partial<EjectionOptions>;
  /** Probes in flight at once; the rest wait their turn. */
  maxConcurrent: number;
  /** Full recomputation of targets as a safety net, besides change notices. Default 30 s. */
  resyncIntervalMs?: number;
  /** Whether active probes run now (only the controllers' leader probes when instances share a store); default always. */
  probing?: () => boolean;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Runs one probe; the real runners by default (tests inject their own). */
  runProbe?: RunProbe;
  /** Called with each Service whose targets are recomputed (tests count them). */
  onServiceRecomputed?: (serviceKey: string) => void;
}

export interface HealthTargetStatus {
  key: string;
  kind: TargetSpec['kind'];
  endpoint: string;
  ready: boolean;
  lastMessage?: string;
  lastProbeAt?: number;
}

export interface HealthManager extends ReadinessSource {
  podReady(pod: Pod): boolean | undefined;
  /** Probe verdict for a manual endpoint (no Pod): false while its probe fails; undefined if not probed. */
  endpointReady(ip: string, port: number): boolean | undefined;
  isEjected(ip: string, port: number): boolean;
  status(): HealthTargetStatus[];
  /** Recompute targets now (normally driven by change notices). */
  resync(): void;
  close(): Promise<void>;
}

export function startHealthManager(o: HealthManagerOptions): HealthManager {
  const clock = o.clock ?? systemClock;
  const run = o.runProbe ?? runProbe;
  const scheduler = new ProbeScheduler({ clock, random: o.random ?? Math.random, maxConcurrent: o.maxConcurrent });
  const ejector = new PassiveEjector(o.slots, o.ejection);
  const abort = new AbortController();
  const targets = new HealthTargetSet();
  const index = new HealthTargetIndex();
  const report = createHealthReporter(o.registry, o.log, index.backends);
  const indexSources = { index, registry: o.registry, defaultProbe: o.defaultProbe, onServiceRecomputed: o.onServiceRecomputed };
  let closed = false;
  let passiveTimer: unknown;
  let resyncTimer: unknown;

  const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

  // Readiness transitions: asks the registry to recompute those Services' endpoints (all of them
  // when a change names none).
  const readiness = new CoalescedChanges(clock, ({ all, services }) => {
    try {
      Promise.resolve(o.registry.readinessChanged(all ? undefined : services)).catch((err) => o.log('error', `health: readiness update failed: ${(err as Error).message}`));
    } catch (err) { o.log('error', `health: readiness update failed: ${(err as Error).message}`); }
  });
  // Change notices (and Pods found edited by podReady): the targets to recompute.
  const changes = new CoalescedChanges(clock, ({ all, services, pods }) => safely(() => update(services, pods, all || !o.registry.get)));

  function transition(t: HealthTarget, outcome: ProbeOutcome) {
    const s = t.spec;
    report.transition(s, t.state.ready, outcome);
    // A manual endpoint has no Pod whose readiness could carry the verdict. The EJECTED flag stops
    // new connections at once; the recomputation shows the verdict in the endpoint conditions
    // (get endpointslices, get endpoints) and clears READY as well.
    if (!s.pod) ejector.setActiveDown(s.ip, s.port!, !t.state.ready, clock.now());
    readiness.add(s.services);
  }

  async function probe(t: HealthTarget) {
    const s = t.spec;
    const now = clock.now();
    if (o.probing && !o.probing()) return;
    if (!probeDue(s.startedAtMs, s.initialDelaySeconds, now)) return;
    const outcome = await run(s.check, s.timeoutMs, abort.signal);
    // Replaced or removed while it ran: its result belongs to a target that no longer exists.
    if (closed || targets.get(s.key) !== t) return;
    t.lastMessage = outcome.message;
    t.lastProbeAt = clock.now();
    // This machine could not run it (EMFILE and the like): no verdict on the endpoint either way.
    if (outcome.inconclusive) return;
    if (!outcome.ok) report.probeFailed(s, outcome);
    if (recordProbeResult(t.state, outcome.ok, s.thresholds)) transition(t, outcome);
    // Hurried after a passive failure: settled once the reported state agrees with the last result
    // (the failure passed, or enough failures in a row took the endpoint out).
    if (t.state.last === t.state.ready) scheduler.relax(s.key);
    for (const port of probedPorts(s)) {
      if (!outcome.ok) { ejector.probeFailed(s.ip, port); continue; }
      const c = ejector.probeSucceeded(s.ip, port, t.lastProbeAt);
      if (c) report.ejection(c);
    }
  }

  /** The backend ports a target's probe speaks for: a Pod's probe for that Pod's only, as Pods may share an IP (127.0.0.1). */
  function probedPorts(s: TargetSpec): number[] {
    if (s.port !== undefined) return [s.port];
    return [...(s.pod ? index.portsByPod.get(podKey(s.pod.namespace, s.pod.name)) : index.portsByIp.get(s.ip))?.values() ?? []];
  }

  /** Brings the targets of those Services and Pods (`ns/name`) up to date; every object when `all`. */
  function update(services: Iterable<string>, pods: Iterable<string>, all: boolean) {
    if (closed) return;
    const now = clock.now();
    const touched = updateHealthIndex(indexSources, services, pods, all, now);
    const c = targetChanges(touched.targets, (key) => index.target(key), (key) => targets.get(key));
    for (const { target, spec } of c.refresh) target.spec = spec;
    for (const t of c.drop) dropTarget(t);
    for (const spec of c.add) addTarget(spec);
    if (touched.backends.size) ejector.setBackends(index.backends.values(), now);
    if (c.readmit.all) readiness.add();
    else if (c.readmit.services.length) readiness.add(c.readmit.services);
  }

  function addTarget(spec: TargetSpec) {
    const t = targets.add(spec);
    scheduler.add(spec.key, { periodMs: spec.periodMs, run: () => probe(t) });
  }

  function dropTarget(t: HealthTarget) {
    const s = t.spec;
    targets.delete(t);
    scheduler.remove(s.key);
    if (s.kind === 'manual' && !t.state.ready) ejector.setActiveDown(s.ip, s.port!, false, clock.now());
  }

  const sync = () => update([], [], true);

  function safely(fn: () => void) {
    try { fn(); } catch (err) { o.log('error', `health: ${(err as Error).stack ?? err}`); }
  }

  /** The data plane saw connects to ip:port fail: probe it now and every FAST_PROBE_MS until it
   *  settles, so that the endpoint conditions (get endpoints, describe, events) catch up within a
   *  few seconds with what the data plane already knows (HAProxy's `observe layer4` +
   *  `on-error fastinter`). */
  function passiveFailure(ip: string, port: number) {
    for (const t of targets.covering(ip, port, index.backends)) scheduler.hurry(t.spec.key, FAST_PROBE_MS);
  }

  function passiveLoop() {
    passiveTimer = clock.setTimeout(() => {
      if (closed) return;
      safely(() => {
        for (const c of ejector.tick(clock.now(), (ip, port) => targets.isCovered(ip, port, index.backends), passiveFailure)) report.ejection(c);
      });
      passiveLoop();
    }, ejector.options.intervalMs);
  }

  function resyncLoop() {
    resyncTimer = clock.setTimeout(() => { safely(sync); if (!closed) resyncLoop(); }, o.resyncIntervalMs ?? 30_000);
  }

  const unsubscribe = o.registry.subscribe((notice) => changes.add(notice.services, []));
  sync();
  // Pods with a readinessProbe start not ready; the registry computed endpoints before we existed.
  if ([...targets.values()].some((t) => t.spec.kind === 'pod')) readiness.add();
  passiveLoop();
  resyncLoop();

  return {
    podReady(pod: Pod): boolean | undefined {
      if (closed) return undefined;
      const r = podReadiness(pod, targets, clock.now());
      if (r.stale) changes.add([], [podKey(namespaceOf(pod.metadata), pod.metadata.name ?? '')]);
      return r.ready;
    },
    endpointReady(ip, port) {
      const t = targets.get(`manual:${joinHostPort(ip, port)}`);
      return t ? t.state.ready : undefined;
    },
    adopt(published: PublishedVerdicts) {
      if (closed) return;
      const now = clock.now();
      for (const t of targets.values()) {
        const verdict = publishedVerdict(t.spec, published);
        if (verdict === undefined || verdict === t.state.ready) continue;
        // A fresh run from the published state: the next probes move it by the usual thresholds.
        t.state = initialProbeState(verdict);
        if (!t.spec.pod) ejector.setActiveDown(t.spec.ip, t.spec.port!, !verdict, now);
      }
    },
    isEjected: (ip, port) => ejector.isEjected(ip, port),
    status: () => [...targets.values()].map((t) => ({
      key: t.spec.key, kind: t.spec.kind, endpoint: t.spec.port !== undefined ? joinHostPort(t.spec.ip, t.spec.port) : t.spec.ip,
      ready: t.state.ready, lastMessage: t.lastMessage, lastProbeAt: t.lastProbeAt,
    })),
    resync: () => safely(sync),
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      changes.close();
      readiness.close();
      for (const h of [passiveTimer, resyncTimer]) clock.clearTimeout(h);
      scheduler.close();
      abort.abort();
      await closeHttpProbeAgents();
    },
  };
}

/** What the leading instance published about the endpoint `s` probes: its Pod's Ready condition,
 *  or the manual endpoint's conditions (ready unless published not ready); undefined: nothing to
 *  start from (a Pod it never published). A Pod not ready on its own declared condition seeds its
 *  probes not ready too: harmless, its first successful probes bring them back. */
function publishedVerdict(s: TargetSpec, published: PublishedVerdicts): boolean | undefined {
  if (!s.pod) return published.endpoint(s.ip, s.port!) ?? true;
  return published.pod(s.pod.namespace, s.pod.name, s.pod.uid);
}
