// Writes one run's results: bench/results/latest.{md,json,svg} and, unless told not to, the results
// section of bench/README.md. Used by run.ts after measuring, and by render.ts to re-render the last
// run (bench/results/latest.json) when only the rendering changed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { evaluateTargets } from './bench-targets.ts';
import { renderChart } from './render-chart.ts';
import { renderMarkdown, replaceResultsSection, type BenchResults } from './render-results.ts';

const HERE = new URL('.', import.meta.url).pathname;

/** Returns the Markdown written. `json: false` leaves latest.json as it is (re-rendering it). */
export function writeResults(results: BenchResults, o: { readme: boolean; json: boolean }): string {
  const md = renderMarkdown(results);
  mkdirSync(`${HERE}results`, { recursive: true });
  writeFileSync(`${HERE}results/latest.md`, md);
  if (o.json) writeFileSync(`${HERE}results/latest.json`, JSON.stringify(results, null, 2) + '\n');
  const sy = results.switchyardDefault;
  if (sy) {
    const label = results.targets.find((t) => t.name === sy)?.label ?? sy;
    writeFileSync(`${HERE}results/latest.svg`, renderChart(evaluateTargets(results, sy), `${label} against the targets, ${results.profile.name} run ${results.date.slice(0, 16)}`));
  }
  if (o.readme) {
    const readme = `${HERE}README.md`;
    let text = '';
    try { text = readFileSync(readme, 'utf8'); } catch { /* first run writes a bare results section */ }
    writeFileSync(readme, replaceResultsSection(text, md));
  }
  return md;
}
