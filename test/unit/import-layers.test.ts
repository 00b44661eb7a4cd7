// The layering documented in docs/architecture.md ("Layers") is the one the code has: every import
// between folders of src/ must be an edge that block lists, every folder must be named there, and the
// listed edges must not form a cycle. Reads the source text; loads nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

/** folder → the folders it may import from, as docs/architecture.md lists them. */
function documentedLayers(markdown: string): Map<string, Set<string>> {
  const at = markdown.indexOf('<!-- layers -->');
  if (at < 0) throw new Error('docs/architecture.md has no <!-- layers --> block');
  const block = /```\n([\s\S]*?)```/.exec(markdown.slice(at));
  if (!block) throw new Error('the <!-- layers --> marker is not followed by a fenced block');
  const layers = new Map<string, Set<string>>();
  for (const line of block[1].split('\n')) {
    const m = /^(\S+)\s+→\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const deps = m[2].trim() === '(nothing)' ? [] : m[2].split(',').map((d) => d.trim()).filter(Boolean);
    layers.set(m[1], new Set(deps));
  }
  return layers;
}

/** Every relative module specifier in a TypeScript source: static, type-only, re-exports, dynamic
 *  import() and `new URL('./x.ts', import.meta.url)` (how worker and child-process files are named). */
function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s+['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bnew URL\(\s*['"](\.{1,2}\/[^'"]+\.ts)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string): string => relative(SRC, file).split('/')[0];

/** [from, to, file] for every import that crosses folders of src/. */
function crossFolderImports(): [string, string, string][] {
  const edges: [string, string, string][] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + '/')) continue;
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) edges.push([from, to, relative(ROOT, file)]);
    }
  }
  return edges;
}

function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const d of graph.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

const layers = documentedLayers(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

test('the import scanner sees every kind of relative import', () => {
  const src = `import { a } from '../x/a.ts';\nimport type { B } from "../y/b.ts";\nexport { c } from './c.ts';\n` +
    `import '../side/effect.ts';\nconst m = await import('../lazy/m.ts');\nnew URL('./worker.ts', import.meta.url);\n` +
    `import { readFileSync } from 'node:fs';\nnew URL('../../package.json', import.meta.url);`;
  assert.equal(importSpecifiers(src).sort(), ['../lazy/m.ts', '../side/effect.ts', '../x/a.ts', '../y/b.ts', './c.ts', './worker.ts']);
});

test('the documented layers name every folder of src/ and only those', () => {
  const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory()).sort();
  assert.equal([...layers.keys()].sort(), folders);
  for (const [folder, deps] of layers) {
    for (const d of deps) assert.ok(layers.has(d), `${folder} → ${d}: ${d} is not a folder of the layer list`);
  }
});

test('the documented layers have no cycle', () => {
  assert.is(findCycle(layers), null);
});

test('every import between folders of src/ is a documented edge', () => {
  const bad = crossFolderImports().filter(([from, to]) => !layers.get(from)?.has(to)).map(([from, to, file]) => `${file}: ${from} → ${to}`);
  assert.equal(bad, [], `imports against docs/architecture.md "Layers":\n${bad.join('\n')}`);
});

test('every documented edge is used (the picture claims no dependency the code lacks)', () => {
  const used = new Set(crossFolderImports().map(([from, to]) => `${from} → ${to}`));
  const unused = [...layers].flatMap(([from, deps]) => [...deps].map((d) => `${from} → ${d}`)).filter((e) => !used.has(e));
  assert.equal(unused, []);
});

test('a cycle in a layer list is found', () => {
  assert.equal(findCycle(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]])), ['a', 'b', 'c', 'a']);
});

test.run();
