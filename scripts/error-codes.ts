// Writes docs/error-codes.md, the table of every SY_ code, from src/model/error-codes.ts.
// Run after changing the catalogue: node_modules/.bin/node scripts/error-codes.ts
// test/unit/error-codes.test.ts fails while the page and the catalogue disagree.
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/model/error-codes.ts';

export const ERROR_CODES_PAGE = new URL('../docs/error-codes.md', import.meta.url);

/** The page's whole text. */
export function renderErrorCodes(): string {
  const rows = Object.entries(ERROR_CODES)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, meaning]) => `| \`${code}\` | ${meaning.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/model/error-codes.ts by scripts/error-codes.ts; edit the catalogue, then run',
    '     node_modules/.bin/node scripts/error-codes.ts -->',
    '',
    'Every error switchyard raises on purpose carries one of these stable codes: the admin API returns it',
    'in its `Status` body (`errorCode`), `switchyard serve` prints it before the message, and code that',
    'uses switchyard\'s modules finds it as the error\'s `code`. Where a system call failed, its errno name',
    '(`EADDRINUSE`, `EACCES`…) travels beside the code (`systemCode`); those names are the operating',
    'system\'s, not switchyard\'s.',
    '',
    '| code | meaning and what to do |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.main) {
  writeFileSync(ERROR_CODES_PAGE, renderErrorCodes());
  console.log(`wrote ${ERROR_CODES_PAGE.pathname} (${Object.keys(ERROR_CODES).length} codes)`);
}
