// The UDP section of the results: one row per figure, one column per UDP target, each cell
// `median (×nginx, ×direct)`, then the settings and the targets that could not run.
import { median } from './render-results.ts';
import { UDP_LOADS } from './udp-loads.ts';
import type { UdpResults } from './udp-phase.ts';

const fmt = (x: number, digits: number) => (Number.isFinite(x)
  ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const ratio = (x: number, base: number | undefined) =>
  (base !== undefined && Number.isFinite(x) && Number.isFinite(base) && base > 0 ? (x / base).toFixed(2) : '');

export function renderUdp(u: UdpResults): string[] {
  const lines = ['### UDP', ''];
  lines.push(`${u.profile.rounds} round(s) × ${u.profile.durationS} s per load and target, interleaved; dnsperf with ${u.profile.clients} clients ` +
    `(${u.profile.clients} flows through a proxy) and up to 100 queries outstanding; the paced load at ${fmt(u.profile.rate, 0)} queries/s; ` +
    'iperf3 -u with one stream of 1,400-byte datagrams sent as fast as the client can. Cells: median over rounds, then (ratio to nginx stream, ratio to direct). ' +
    'Proxy CPU: utime + stime of the proxy\'s processes from /proc, per query answered or per GB delivered.');
  lines.push('');
  lines.push(`| figure | ${u.targets.map((t) => t.label).join(' | ')} |`);
  lines.push(`|---|${u.targets.map(() => '---:').join('|')}|`);
  for (const load of UDP_LOADS) {
    for (const f of load.figures) {
      const med = (t: string) => median((u.runs[load.key]?.[t] ?? []).map((m) => m.values[f.key]));
      const nginx = u.targets.some((t) => t.name === 'nginx') ? med('nginx') : undefined;
      const direct = u.targets.some((t) => t.name === 'direct') ? med('direct') : undefined;
      const cells = u.targets.map((t) => {
        const v = med(t.name);
        if (!Number.isFinite(v) || (f.cpu && t.name === 'direct')) return '—';
        const rs = [t.name !== 'nginx' && ratio(v, nginx) && `${ratio(v, nginx)}×N`, !f.cpu && t.name !== 'direct' && ratio(v, direct) && `${ratio(v, direct)}×D`].filter(Boolean);
        return rs.length ? `${fmt(v, f.digits)} (${rs.join(', ')})` : fmt(v, f.digits);
      });
      lines.push(`| ${f.label} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('', 'Settings: ' + u.targets.map((t) => `${t.label}: ${t.settings}`).join('; ') + '.');
  for (const s of u.skipped) lines.push('', `Not measured (UDP): ${s.label} — ${s.reason.split('\n')[0]}`);
  return lines;
}
