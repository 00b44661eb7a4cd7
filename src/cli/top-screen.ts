// The screen of `switchyard top` in a terminal: every Service port and, under it, its endpoints,
// sorted by traffic (new connections per second, then bytes per second, over the last few seconds),
// each with sparklines of connections/s and bytes/s (both ways) over the last minute or so, fitted to
// the terminal's width and height. Pure (the verb in top.ts redraws it in place); CLI process.
import type { StatusDocument } from '../model/status-document.ts';
import { storeValues, type HistoryStore } from '../web/client/history-store.ts';
import { processCores } from '../model/status-document.ts';
import { sparkline } from './sparkline.ts';

/** Seconds the "now" figures average over (a single second jumps about with the bytes' flushes). */
const RECENT = 5;

function bytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return u === 0 ? `${Math.round(n)}B` : `${n.toFixed(1)}${units[u]}`;
}

function recent(values: (number | null)[]): number {
  let sum = 0;
  let n = 0;
  for (let i = values.length - 1; i >= 0 && n < RECENT; i--) if (values[i] !== null) { sum += values[i]!; n++; }
  return n ? sum / n : 0;
}

const sum2 = (a: (number | null)[], b: (number | null)[]): (number | null)[] =>
  a.map((v, i) => (v === null && b[i] === null ? null : (v ?? 0) + (b[i] ?? 0)));

interface Row { name: string; state: string; conns: number; bytesIn: number; bytesOut: number; active: number; connSpark: (number | null)[]; byteSpark: (number | null)[] }

/** One screen of `columns`×`rows` characters at most, as lines (the caller clears and writes them). */
export function renderTopScreen(doc: StatusDocument, store: HistoryStore, prev: StatusDocument | null, size: { columns: number; rows: number }, namespace?: string): string[] {
  const columns = Math.max(40, size.columns);
  const services = namespace === undefined ? doc.services : doc.services.filter((s) => s.name.startsWith(`${namespace}/`));
  const cores = processCores(doc, prev);
  const head = `switchyard top — ${new Date(doc.time).toISOString().slice(11, 19)} — ${services.length} Services, ${doc.workers.length} workers` +
    `${doc.process ? `, CPU ${cores === null ? '-' : cores.toFixed(2)} cores, memory ${bytes(doc.process.residentBytes)}` : ''}`;
  const lines = [fit(`${head}   (q quits)`, columns), ...instanceLines(doc).map((l) => fit(l, columns))];
  // Name, state, figures, then two sparklines sharing what width is left.
  const nameWidth = Math.min(44, Math.max(24, Math.floor(columns * 0.3)));
  const figures = 8 + 7 + 9 + 9;
  const spark = Math.max(8, Math.floor((columns - nameWidth - 11 - figures - 4) / 2));
  const line = (r: Row, indent: string) => fit(
    `${(indent + r.name).padEnd(nameWidth).slice(0, nameWidth)} ${r.state.padEnd(10).slice(0, 10)}` +
    `${r.conns.toFixed(1).padStart(8)}${String(r.active).padStart(7)}${`${bytes(r.bytesIn)}/s`.padStart(9)}${`${bytes(r.bytesOut)}/s`.padStart(9)}` +
    `  ${sparkline(r.connSpark, spark)}  ${sparkline(r.byteSpark, spark)}`, columns);
  lines.push(fit(`${'SERVICE PORT / ENDPOINT'.padEnd(nameWidth)} ${'STATE'.padEnd(10)}${'CONN/S'.padStart(8)}${'ACTIVE'.padStart(7)}` +
    `${'IN'.padStart(9)}${'OUT'.padStart(9)}  ${`CONN/S, LAST ${spark} S`.padEnd(spark)}  BYTES/S`, columns));
  const ports: { row: Row; endpoints: Row[] }[] = [];
  for (const s of services) {
    for (const p of s.ports) {
      const pk = `${s.name}|${p.port}`;
      // A UDP port's new connections are its new flows.
      const conns = storeValues(store, `p|${pk}|${p.protocol === 'UDP' ? 'flows' : 'connections'}`);
      const bin = storeValues(store, `p|${pk}|bytesIn`);
      const bout = storeValues(store, `p|${pk}|bytesOut`);
      const ready = p.endpoints.filter((e) => e.ready).length;
      const endpoints = p.endpoints.map((e): Row => {
        const ec = storeValues(store, `e|${pk}|${e.endpoint}|connections`);
        const ei = storeValues(store, `e|${pk}|${e.endpoint}|bytesIn`);
        const eo = storeValues(store, `e|${pk}|${e.endpoint}|bytesOut`);
        const state = e.ready ? 'ready' : e.conditions.filter((c) => c !== 'serving').join(',') || 'not-ready';
        return { name: e.endpoint, state, conns: recent(ec), bytesIn: recent(ei), bytesOut: recent(eo), active: e.activeConnections, connSpark: ec, byteSpark: sum2(ei, eo) };
      });
      endpoints.sort(byTraffic);
      ports.push({
        row: { name: `${s.name} ${p.port}`, state: p.endpoints.length ? `${ready}/${p.endpoints.length} ready` : 'no endpts',
          conns: recent(conns), bytesIn: recent(bin), bytesOut: recent(bout), active: p.activeConnections, connSpark: conns, byteSpark: sum2(bin, bout) },
        endpoints,
      });
    }
  }
  ports.sort((a, b) => byTraffic(a.row, b.row));
  const body: string[] = [];
  for (const p of ports) {
    body.push(line(p.row, ''));
    for (const e of p.endpoints) body.push(line(e, '  '));
  }
  if (ports.length === 0) body.push(services.length ? '(no Service ports)' : '(no Services: apply one with switchyard apply -f FILE)');
  const workers = doc.workers.map((w) => `w${w.worker} ${w.activeConnections} active, loop p99 ${(w.loopDelayP99 * 1000).toFixed(1)}ms` +
    `${w.restarts ? `, ${w.restarts} restarts` : ''}`).join('  ·  ');
  const room = Math.max(1, size.rows - lines.length - 2);
  if (body.length > room) {
    const more = body.length - room + 1;
    body.length = room - 1;
    body.push(`… ${more} more lines (a taller terminal, or -n NAMESPACE)`);
  }
  lines.push(...body, '', fit(`WORKERS  ${workers}`, columns));
  return lines;
}

/** What the instance as a whole is in: not ready and why (the shared store away, descriptors
 *  short: what /readyz says), and with a shared store, where it stands and who leads. */
export function instanceLines(doc: StatusDocument): string[] {
  const out: string[] = [];
  // One line each: a client library's error text may span several.
  const flat = (t: string) => t.replace(/\s+/g, ' ');
  if (doc.readiness && !doc.readiness.ready) out.push(`NOT READY: ${flat(doc.readiness.reason ?? 'no reason given')}`);
  if (doc.store) {
    const leader = doc.store.leading ? 'this instance' : doc.store.leader ?? 'nobody yet';
    out.push(flat(`STORE ${doc.store.message}; controllers led by ${leader}${doc.store.leading && doc.store.leader ? ` (${doc.store.leader})` : ''}`));
  }
  return out;
}

function byTraffic(a: Row, b: Row): number {
  return b.conns - a.conns || (b.bytesIn + b.bytesOut) - (a.bytesIn + a.bytesOut) || b.active - a.active || a.name.localeCompare(b.name);
}

/** Cut to the terminal's width (sparkline blocks are one column each). */
function fit(s: string, columns: number): string {
  return s.length > columns ? s.slice(0, columns) : s;
}
