// Reading /metrics in tests: the product's strict parser (src/cli/prometheus-text.ts) and a lookup
// of one series.
import { familyOf, type PromFamily } from '../../src/cli/prometheus-text.ts';

export { parsePrometheusText, type PromFamily as Family } from '../../src/cli/prometheus-text.ts';

/** The value of the one sample of `name` whose labels include `match`; throws when none or several. */
export function sampleValue(families: Map<string, PromFamily>, name: string, match: Record<string, string> = {}): number {
  const f = familyOf(name, families);
  const hits = (f?.samples ?? []).filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(match)}`);
  return hits[0].value;
}
