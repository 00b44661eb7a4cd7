// The health-check loop. Main thread. Implements the control plane's ReadinessSource: Pod readiness
// comes from probe state (probe-state.ts, kubelet's hysteresis), and every Pod transition asks the
// registry to recompute endpoints; manual endpoints (no Pod) and passive ejections are flags in the
// shared endpoint table (passive-ejector.ts). Targets follow the registry: the Services a change
// notice names (coalesced) and the Pods they select are recomputed, a Pod whose probes changed when
// the registry asks about it, and everything on a slow timer as a safety net (it also picks up
// Pods no Service selects). Per-change work is proportional to what changed (HealthTargetIndex).
import type { ChangeNotice, ReadinessSource } from '../control/control-plane-api.ts';
import { joinHostPort } from '../model/ip-string.ts';
import { namespaceOf } from '../model/namespace-of.ts';
import type { EndpointSlice, KindName, KubeObject, ObjectReference, Pod, Service } from '../model/types.ts';
import { systemClock, type HealthClock } from './health-clock.ts';
import { podProbeTargets, probedContainers, serviceHealthContribution, type DefaultProbeOptions, type TargetSpec } from './health-targets.ts';
import { HealthTargetIndex, healthTouched } from './health-target-index.ts';
import { PassiveEjector, type EjectionChange, type EjectionOptions, type EjectorSlots } from './passive-ejector.ts';
import type { ProbeOutcome } from './probe-outcome.ts';
import { closeHttpProbeAgents } from './probe-http.ts';
import { ProbeScheduler } from './probe-scheduler.ts';
import { initialProbeState, probeDue, recordProbeResult, type ProbeState } from './probe-state.ts';
import { runProbe, type RunProbe } from './run-probe.ts';

export type { RunProbe } from './run-probe.ts';

/** What the health loop needs of src/control/registry.ts. */
export interface HealthRegistry {
  list(kind: KindName, namespace?: string): KubeObject[];
  serviceSlices(namespace: string, name: string): EndpointSlice[];
  /**
   * The slices before this loop's verdicts on manual endpoints were applied: an endpoint taken out
   * must stay a target, or it could never come back. Falls back to serviceSlices.
   */
  declaredServiceSlices?(namespace: string, name: string): EndpointSlice[];
  /**
   * Re-evaluate Pod and manual endpoint readiness (podReady, endpointReady) and recompute the
   * endpoints of those Services (`ns/name`), or of every Service when undefined.
   */
  readinessChanged(services?: string[]): unknown;
  /** One object; with it, change notices update only the Services they name (else every notice resyncs all). */
  get?(kind: KindName, namespace: string, name: string): KubeObject | undefined;
  recordEvent(involved: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
  subscribe(fn: (notice: ChangeNotice) => void): () => void;
}

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

interface Target { spec: TargetSpec; state: ProbeState; lastMessage?: string; lastProbeAt?: number }

const COMPONENT = 'switchyard-health';

export function startHealthManager(o: HealthManagerOptions): HealthManager {
  const clock = o.clock ?? systemClock;
  const run = o.runProbe ?? runProbe;
  const scheduler = new ProbeScheduler({ clock, random: o.random ?? Math.random, maxConcurrent: o.maxConcurrent });
  const ejector = new PassiveEjector(o.slots, o.ejection);
  const abort = new AbortController();
  const targets = new Map<string, Target>();
  const implicitByPod = new Map<string, Set<Target>>();
  const index = new HealthTargetIndex();
  const portCovered = new Map<string, number>(); // `ip|port` → implicit and manual targets probing it
  const podProbes = new Map<string, number>(); // `ns/name` → readinessProbe targets of that Pod
  const pendingServices = new Set<string>();
  const pendingPods = new Set<string>();
  let pendingAll = false;
  const readinessServices = new Set<string>();
  let readinessAll = false;
  let closed = false;
  let syncTimer: unknown;
  let readinessTimer: unknown;
  let passiveTimer: unknown;
  let resyncTimer: unknown;

  const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

  function event(kind: 'Pod' | 'Service', key: string, uid: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string) {
    const [namespace, name] = key.split('/');
    const ref: ObjectReference = { kind, namespace, name };
    if (uid) ref.uid = uid;
    try { o.registry.recordEvent(ref, type, reason, message, COMPONENT); } catch (err) { o.log('error', `health: cannot record event: ${(err as Error).message}`); }
  }

  /** Asks the registry to recompute those Services' endpoints (every Service when undefined). */
  function readinessChanged(services?: string[]) {
    if (closed) return;
    if (services) for (const s of services) readinessServices.add(s);
    else readinessAll = true;
    if (readinessTimer !== undefined) return;
    // Coalesced: transitions of many Pods in one burst cost one endpoint recomputation.
    readinessTimer = clock.setTimeout(() => {
      readinessTimer = undefined;
      if (closed) return;
      const only = readinessAll ? undefined : [...readinessServices];
      readinessAll = false;
      readinessServices.clear();
      try {
        Promise.resolve(o.registry.readinessChanged(only)).catch((err) => o.log('error', `health: readiness update failed: ${(err as Error).message}`));
      } catch (err) { o.log('error', `health: readiness update failed: ${(err as Error).message}`); }
    }, 0);
  }

  function describeTarget(s: TargetSpec): string {
    const where = s.port !== undefined ? joinHostPort(s.ip, s.port) : s.ip;
    if (s.kind === 'pod') return `Pod ${s.pod!.namespace}/${s.pod!.name} container ${s.container}`;
    if (s.kind === 'implicit') return `Pod ${s.pod!.namespace}/${s.pod!.name} (${where})`;
    return `endpoint ${where}`;
  }

  function transition(t: Target, outcome: ProbeOutcome) {
    const s = t.spec;
    const ready = t.state.ready;
    const what = describeTarget(s);
    const detail = ready ? 'is ready' : `is not ready: ${outcome.message}`;
    o.log(ready ? 'info' : 'warn', `health: ${what} ${detail}`);
    if (s.pod) {
      // Failures were recorded on the Pod already, one per probe (probe()).
      if (ready) event('Pod', podKey(s.pod.namespace, s.pod.name), s.pod.uid, 'Normal', 'Ready', 'Readiness probe succeeded');
      readinessChanged(s.services);
    } else {
      // The EJECTED flag stops new connections at once; the recomputation shows the verdict in the
      // endpoint conditions (get endpointslices, get endpoints) and clears READY as well.
      ejector.setActiveDown(s.ip, s.port!, !ready, clock.now());
      readinessChanged(s.services);
    }
    for (const svc of s.services) event('Service', svc, undefined, ready ? 'Normal' : 'Warning', ready ? 'Ready' : 'Unhealthy', `${what} ${detail}`);
  }

  function reportEjection(c: EjectionChange) {
    const where = joinHostPort(c.ip, c.port);
    const text = c.ejected
      ? `endpoint ${where} ejected for ${Math.round(c.durationMs! / 1000)}s after ${c.failures} consecutive connect failures`
      : `endpoint ${where} returned after ejection`;
    o.log(c.ejected ? 'warn' : 'info', `health: ${text}`);
    const [type, reason] = c.ejected ? ['Warning', 'Ejected'] as const : ['Normal', 'Unejected'] as const;
    const backend = index.backends.get(where);
    for (const svc of backend?.owners.keys() ?? []) event('Service', svc, undefined, type, reason, text);
    const pod = backend?.pod;
    if (pod) event('Pod', podKey(pod.namespace, pod.name), pod.uid, type, reason, text);
  }

  async function probe(t: Target) {
    const s = t.spec;
    const now = clock.now();
    if (!probeDue(s.startedAtMs, s.initialDelaySeconds, now)) return;
    const outcome = await run(s.check, s.timeoutMs, abort.signal);
    // Replaced or removed while it ran: its result belongs to a target that no longer exists.
    if (closed || targets.get(s.key) !== t) return;
    t.lastMessage = outcome.message;
    t.lastProbeAt = clock.now();
    // Like kubelet, every failed probe is an Unhealthy event on the Pod (the event log aggregates
    // repeats into a count), so a Pod that never becomes ready says why.
    if (!outcome.ok && s.pod) event('Pod', podKey(s.pod.namespace, s.pod.name), s.pod.uid, 'Warning', 'Unhealthy', outcome.message);
    if (recordProbeResult(t.state, outcome.ok, s.thresholds)) transition(t, outcome);
    for (const port of probedPorts(s)) {
      if (!outcome.ok) { ejector.probeFailed(s.ip, port); continue; }
      const c = ejector.probeSucceeded(s.ip, port, t.lastProbeAt);
      if (c) reportEjection(c);
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
    const touched = healthTouched();
    const podsIn = new Map<string, Pod[]>();
    const podsOf = (ns: string) => {
      let list = podsIn.get(ns);
      if (!list) podsIn.set(ns, list = o.registry.list('Pod', ns) as Pod[]);
      return list;
    };
    const slicesOf = (ns: string, name: string) => o.registry.declaredServiceSlices?.(ns, name) ?? o.registry.serviceSlices(ns, name);
    const byKey = <T extends KubeObject>(list: T[]) => new Map(list.map((x) => [podKey(namespaceOf(x.metadata), x.metadata.name ?? ''), x]));
    const allServices = all ? byKey(o.registry.list('Service') as Service[]) : undefined;
    const allPods = all ? byKey(o.registry.list('Pod') as Pod[]) : undefined;
    const serviceKeys = all ? new Set([...allServices!.keys(), ...index.serviceKeys()]) : services;
    for (const sk of serviceKeys) {
      const [ns, name] = sk.split('/');
      const svc = all ? allServices!.get(sk) : o.registry.get!('Service', ns, name) as Service | undefined;
      o.onServiceRecomputed?.(sk);
      index.setService(sk, svc && serviceHealthContribution(svc, allPods?.values() ?? podsOf(ns), slicesOf(ns, name), o.defaultProbe, now), touched);
    }
    const podKeys = new Set([...touched.pods, ...pods, ...(all ? [...allPods!.keys(), ...index.podKeys()] : [])]);
    for (const pk of podKeys) {
      const [ns, name] = pk.split('/');
      index.setPod(pk, all ? allPods!.get(pk) : o.registry.get!('Pod', ns, name) as Pod | undefined, now, touched);
    }
    const moved: string[] = [];
    let movedAll = false;
    for (const key of touched.targets) {
      const spec = index.target(key);
      const existing = targets.get(key);
      if (existing && spec && existing.spec.fingerprint === spec.fingerprint) {
        existing.spec = spec; // Services and Pod metadata may change without resetting state
        continue;
      }
      if (existing) {
        // A target that held its endpoint out goes away: the endpoint's Services must see it back.
        if (!existing.state.ready) { if (existing.spec.services.length) moved.push(...existing.spec.services); else movedAll = true; }
        dropTarget(existing);
      }
      if (spec) addTarget(spec);
    }
    if (touched.backends.size) ejector.setBackends(index.backends.values(), now);
    if (movedAll) readinessChanged();
    else if (moved.length) readinessChanged(moved);
  }

  function addTarget(spec: TargetSpec) {
    const t: Target = { spec, state: initialProbeState(spec.initiallyReady) };
    targets.set(spec.key, t);
    if (spec.kind === 'implicit') {
      const pk = podKey(spec.pod!.namespace, spec.pod!.name);
      const set = implicitByPod.get(pk) ?? new Set();
      set.add(t);
      implicitByPod.set(pk, set);
    }
    count(spec, 1);
    scheduler.add(spec.key, { periodMs: spec.periodMs, run: () => probe(t) });
  }

  // What the passive ejector needs to know: is an active probe speaking for ip:port?
  function count(spec: TargetSpec, delta: number) {
    const [map, key] = spec.kind === 'pod' ? [podProbes, podKey(spec.pod!.namespace, spec.pod!.name)] : [portCovered, `${spec.ip}|${spec.port}`];
    const n = (map.get(key) ?? 0) + delta;
    if (n > 0) map.set(key, n); else map.delete(key);
  }

  function isCovered(ip: string, port: number): boolean {
    if (portCovered.has(`${ip}|${port}`)) return true;
    const pod = index.backends.get(joinHostPort(ip, port))?.pod;
    return !!pod && podProbes.has(podKey(pod.namespace, pod.name));
  }

  function dropTarget(t: Target) {
    const s = t.spec;
    targets.delete(s.key);
    count(s, -1);
    scheduler.remove(s.key);
    if (s.kind === 'implicit') {
      const pk = podKey(s.pod!.namespace, s.pod!.name);
      implicitByPod.get(pk)?.delete(t);
      if (implicitByPod.get(pk)?.size === 0) implicitByPod.delete(pk);
    }
    if (s.kind === 'manual' && !t.state.ready) ejector.setActiveDown(s.ip, s.port!, false, clock.now());
  }

  /** Coalesces updates: Services and Pods (`ns/name`) to recompute, or everything when none are named. */
  function scheduleSync(services?: Iterable<string>, pods?: Iterable<string>) {
    if (closed) return;
    if (!services && !pods) pendingAll = true;
    for (const s of services ?? []) pendingServices.add(s);
    for (const p of pods ?? []) pendingPods.add(p);
    if (syncTimer !== undefined) return;
    syncTimer = clock.setTimeout(() => {
      syncTimer = undefined;
      const all = pendingAll || !o.registry.get;
      const services = [...pendingServices];
      const pods = [...pendingPods];
      pendingAll = false;
      pendingServices.clear();
      pendingPods.clear();
      safely(() => update(services, pods, all));
    }, 0);
  }

  const sync = () => update([], [], true);

  function safely(fn: () => void) {
    try { fn(); } catch (err) { o.log('error', `health: ${(err as Error).stack ?? err}`); }
  }

  function passiveLoop() {
    passiveTimer = clock.setTimeout(() => {
      if (closed) return;
      safely(() => {
        for (const c of ejector.tick(clock.now(), isCovered)) reportEjection(c);
      });
      passiveLoop();
    }, ejector.options.intervalMs);
  }

  function resyncLoop() {
    resyncTimer = clock.setTimeout(() => { safely(sync); if (!closed) resyncLoop(); }, o.resyncIntervalMs ?? 30_000);
  }

  const unsubscribe = o.registry.subscribe((notice) => scheduleSync(notice.services, []));
  sync();
  // Pods with a readinessProbe start not ready; the registry computed endpoints before we existed.
  if ([...targets.values()].some((t) => t.spec.kind === 'pod')) readinessChanged();
  passiveLoop();
  resyncLoop();

  return {
    podReady(pod: Pod): boolean | undefined {
      if (closed) return undefined;
      const pk = podKey(namespaceOf(pod.metadata), pod.metadata.name ?? '');
      if (probedContainers(pod).length > 0) {
        // Compare with what the Pod asks for now: a new or changed probe has not succeeded yet.
        const wanted = podProbeTargets(pod, [], clock.now());
        if (wanted.length === 0) return undefined; // terminal or IP-less: not an endpoint anyway
        let ready = true;
        for (const w of wanted) {
          const t = targets.get(w.key);
          // A Pod edit that moves no endpoint sends no change notice; this is where we learn of it.
          if (!t || t.spec.fingerprint !== w.fingerprint) { scheduleSync([], [pk]); ready = false; } else if (!t.state.ready) ready = false;
        }
        return ready;
      }
      const implicit = implicitByPod.get(pk);
      if (!implicit) return undefined;
      for (const t of implicit) if (!t.state.ready && (!pod.metadata.uid || t.spec.pod?.uid === pod.metadata.uid)) return false;
      // Implicit probes only take readiness away; a passing one defers to the Pod's own condition.
      return undefined;
    },
    endpointReady(ip, port) {
      const t = targets.get(`manual:${joinHostPort(ip, port)}`);
      return t ? t.state.ready : undefined;
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
      for (const h of [syncTimer, readinessTimer, passiveTimer, resyncTimer]) clock.clearTimeout(h);
      scheduler.close();
      abort.abort();
      await closeHttpProbeAgents();
    },
  };
}
