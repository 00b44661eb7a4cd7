// Re-renders the last run (bench/results/latest.json) into bench/results/latest.{md,svg} and the
// results section of bench/README.md, without measuring anything: for when only the rendering changed.
//   node bench/render.ts [--no-readme]
import { readFileSync } from 'node:fs';
import type { BenchResults } from './render-results.ts';
import { writeResults } from './write-results.ts';

const results = JSON.parse(readFileSync(new URL('./results/latest.json', import.meta.url), 'utf8')) as BenchResults;
const readme = !process.argv.includes('--no-readme');
writeResults(results, { readme, json: false });
process.stderr.write(`re-rendered the ${results.profile.name} run of ${results.date}${readme ? ' into bench/README.md too' : ''}\n`);
