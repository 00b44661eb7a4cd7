// The Targets verdicts as an SVG bar chart, written by hand: one bar per target, the measured ratio
// on a shared axis, the bar it is held to as a tick, green when met and red when not. Figures not
// measured in the run are listed without a bar.
import { judgedRatio, type TargetVerdict } from './bench-targets.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderChart(verdicts: TargetVerdict[], title: string): string {
  const rowH = 26;
  const labelW = 330;
  const plotW = 420;
  const top = 56;
  const width = labelW + plotW + 150;
  const height = top + verdicts.length * rowH + 44;
  // Axis from 0 to a round number past every ratio and limit, so the ticks stay in view.
  const biggest = Math.max(2, ...verdicts.flatMap((v) => [v.ratio ?? 0, v.limit ?? 0]).filter(Number.isFinite));
  const axisMax = Math.min(Math.ceil(biggest), 8);
  const x = (r: number) => labelW + (Math.min(r, axisMax) / axisMax) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">bar: measured ratio (to HAProxy, or to the limit / to the smallest size); black tick: the target; green met, red not met</text>`);
  for (let g = 0; g <= axisMax; g++) {
    const gx = x(g);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + verdicts.length * rowH}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${top + verdicts.length * rowH + 16}" text-anchor="middle" fill="#555">${g}×</text>`);
  }
  verdicts.forEach((v, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(v.figure)}</text>`);
    if (v.ratio === undefined || !Number.isFinite(v.ratio) || v.limit === undefined) {
      out.push(`<text x="${labelW + 4}" y="${y + 16}" fill="#888">not measured</text>`);
      return;
    }
    const colour = v.met ? '#2e7d32' : '#c62828';
    out.push(`<rect x="${labelW}" y="${y + 5}" width="${Math.max(1, x(v.ratio) - labelW).toFixed(1)}" height="${rowH - 10}" fill="${colour}" opacity="0.8"/>`);
    const lx = x(v.limit);
    out.push(`<line x1="${lx}" y1="${y + 1}" x2="${lx}" y2="${y + rowH - 1}" stroke="#000" stroke-width="2"/>`);
    const text = `${judgedRatio(v.ratio, v.limit)}× (${v.higherIsBetter ? '≥' : '≤'} ${v.limit}) ${v.met ? 'met' : 'not met'}`;
    out.push(`<text x="${labelW + plotW + 8}" y="${y + 16}" fill="${colour}">${esc(text)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
