// A sparkline in block characters (▁▂▃▄▅▆▇█), one character per value, scaled to the largest
// value shown; a missing value is a space and a zero the lowest block, so idle and unknown differ.
// Pure; CLI process.

const BLOCKS = '▁▂▃▄▅▆▇█';

/** The last `width` values, right-aligned (padded with spaces on the left when there are fewer). */
export function sparkline(values: readonly (number | null)[], width: number): string {
  const shown = values.slice(Math.max(0, values.length - width));
  let max = 0;
  for (const v of shown) if (v !== null && v > max) max = v;
  let out = ' '.repeat(width - shown.length);
  for (const v of shown) {
    if (v === null) { out += ' '; continue; }
    const level = max > 0 ? Math.round((v / max) * (BLOCKS.length - 1)) : 0;
    out += BLOCKS[Math.min(BLOCKS.length - 1, Math.max(0, level))];
  }
  return out;
}
