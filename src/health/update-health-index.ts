// Reads the registry into the health loop's HealthTargetIndex: only the Services and Pods a change
// names, so per-change work is proportional to what changed, or every object on a full resync
// (which also picks up Pods no Service selects and objects that went away). Main thread.
import { splitNamespacedKey } from '../model/namespace-of.ts';
import type { KubeObject, Pod, Service } from '../model/types.ts';
import type { HealthRegistry } from './health-registry.ts';
import { serviceHealthContribution, serviceKey, type DefaultProbeOptions } from './health-targets.ts';
import { healthTouched, type HealthTargetIndex, type HealthTouched } from './health-target-index.ts';

export interface HealthIndexSources {
  index: HealthTargetIndex;
  registry: HealthRegistry;
  defaultProbe: DefaultProbeOptions;
  /** Called with each Service whose targets are recomputed (tests count them). */
  onServiceRecomputed?: (serviceKey: string) => void;
}

/** Recomputes those Services and Pods (`ns/name`), every object when `all`; returns what moved. */
export function updateHealthIndex(src: HealthIndexSources, services: Iterable<string>, pods: Iterable<string>, all: boolean, nowMs: number): HealthTouched {
  const { index, registry } = src;
  const touched = healthTouched();
  const podsIn = new Map<string, Pod[]>();
  const podsOf = (ns: string) => {
    let list = podsIn.get(ns);
    if (!list) podsIn.set(ns, list = registry.list('Pod', ns) as Pod[]);
    return list;
  };
  const slicesOf = (ns: string, name: string) => registry.declaredServiceSlices?.(ns, name) ?? registry.serviceSlices(ns, name);
  const byKey = <T extends KubeObject>(list: T[]) => new Map(list.map((x) => [serviceKey(x), x]));
  const allServices = all ? byKey(registry.list('Service') as Service[]) : undefined;
  const allPods = all ? byKey(registry.list('Pod') as Pod[]) : undefined;
  const serviceKeys = all ? new Set([...allServices!.keys(), ...index.serviceKeys()]) : services;
  for (const sk of serviceKeys) {
    const [ns, name] = splitNamespacedKey(sk);
    const svc = all ? allServices!.get(sk) : registry.get!('Service', ns, name) as Service | undefined;
    src.onServiceRecomputed?.(sk);
    index.setService(sk, svc && serviceHealthContribution(svc, allPods?.values() ?? podsOf(ns), slicesOf(ns, name), src.defaultProbe, nowMs), touched);
  }
  const podKeys = new Set([...touched.pods, ...pods, ...(all ? [...allPods!.keys(), ...index.podKeys()] : [])]);
  for (const pk of podKeys) {
    const [ns, name] = splitNamespacedKey(pk);
    index.setPod(pk, all ? allPods!.get(pk) : registry.get!('Pod', ns, name) as Pod | undefined, nowMs, touched);
  }
  return touched;
}
