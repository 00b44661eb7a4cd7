// The error-code catalogue (src/model/error-codes.ts) is complete and its page current: every
// 'SY_…' literal in src/ is listed, every listed code is used, docs/error-codes.md is what
// scripts/error-codes.ts renders, and src/ throws no error without a code. Reads the source text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_CODES, isSyCode } from '../../src/model/error-codes.ts';
import { ERROR_CODES_PAGE, renderErrorCodes } from '../../scripts/error-codes.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CATALOGUE = 'src/model/error-codes.ts';
const REGENERATE = 'node_modules/.bin/node scripts/error-codes.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** [code, file:line] for every quoted SY_ code in src/ outside the catalogue. */
function codeLiterals(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel === CATALOGUE) continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/['"`](SY_[A-Z0-9_]+)['"`]/g)) out.push([m[1], `${rel}:${i + 1}`]);
    });
  }
  return out;
}

test('every SY_ code used in src/ is in the catalogue', () => {
  const unknown = codeLiterals().filter(([code]) => !(code in ERROR_CODES));
  assert.ok(unknown.length === 0,
    `codes missing from ${CATALOGUE}:\n${unknown.map(([c, at]) => `  ${c} (${at})`).join('\n')}\n` +
    `add each with a one-line meaning (what happened, what to do), then run ${REGENERATE}`);
});

test('every code in the catalogue is used in src/', () => {
  const used = new Set(codeLiterals().map(([code]) => code));
  const unused = Object.keys(ERROR_CODES).filter((c) => !used.has(c));
  assert.ok(unused.length === 0, `${CATALOGUE} lists codes nothing in src/ uses: ${unused.join(', ')}; remove them, then run ${REGENERATE}`);
});

test('every catalogue entry is a well-formed code with a one-line meaning', () => {
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    assert.ok(isSyCode(code), code);
    assert.ok(meaning.length > 20 && !meaning.includes('\n') && /[.?]$/.test(meaning), `${code}: one line, a sentence`);
  }
  assert.not.ok(isSyCode('EADDRINUSE'));
  assert.not.ok(isSyCode('SY_'));
});

test('docs/error-codes.md is the catalogue as scripts/error-codes.ts renders it', () => {
  const page = readFileSync(ERROR_CODES_PAGE, 'utf8');
  assert.ok(page === renderErrorCodes(), `docs/error-codes.md is stale: run ${REGENERATE}`);
});

test('src/ throws no error without a code', () => {
  // The pages' scripts (src/web/client) run in the browser, not in switchyard.
  const bare: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel.startsWith('src/web/client/')) continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (/\bnew (Error|TypeError|RangeError)\(/.test(line)) bare.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.ok(bare.length === 0, `errors without a code (throw a SyError, or a subclass, with a code from ${CATALOGUE}):\n${bare.join('\n')}`);
});

test.run();
