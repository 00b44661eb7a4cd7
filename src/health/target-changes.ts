// The diff between the probe targets the health loop runs and the ones the registry's objects ask
// for now, for the keys a change touched, as data. Main thread, pure; the loop applies it. A target
// whose fingerprint (probe, thresholds, start time) is unchanged keeps its probe state and only
// takes the new spec (Services and Pod metadata may change); any other change starts it over.
import type { HealthTarget } from './health-target-set.ts';
import type { TargetSpec } from './health-targets.ts';

export interface TargetChanges {
  refresh: { target: HealthTarget; spec: TargetSpec }[];
  drop: HealthTarget[];
  /** In the order of the keys, after the drops (a changed target is dropped, then added anew). */
  add: TargetSpec[];
  /** A dropped target held its endpoint out: these Services must see it back (every Service when
   *  such a target named none). */
  readmit: { all: boolean; services: string[] };
}

export function targetChanges(keys: Iterable<string>, wanted: (key: string) => TargetSpec | undefined, running: (key: string) => HealthTarget | undefined): TargetChanges {
  const c: TargetChanges = { refresh: [], drop: [], add: [], readmit: { all: false, services: [] } };
  for (const key of keys) {
    const spec = wanted(key);
    const existing = running(key);
    if (existing && spec && existing.spec.fingerprint === spec.fingerprint) {
      c.refresh.push({ target: existing, spec });
      continue;
    }
    if (existing) {
      if (!existing.state.ready) {
        if (existing.spec.services.length) c.readmit.services.push(...existing.spec.services);
        else c.readmit.all = true;
      }
      c.drop.push(existing);
    }
    if (spec) c.add.push(spec);
  }
  return c;
}
