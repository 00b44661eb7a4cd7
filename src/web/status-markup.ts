// The status page's markup, from /status.json documents. The same functions render the first page on
// the server and every update in the browser: page-assets.ts embeds their source text in the page's
// script, so each must stay self-contained — no outer variables besides the other functions of this
// file and processCores (src/model/status-document.ts, embedded beside them), nothing but what
// browsers and Node both have. (Node strips the type annotations before the source text exists.)
// The charts are drawn in the browser only (client/status-client.ts) into the empty holders these
// functions leave for them.
import { processCores, type ServicePortStats, type ServiceStatus, type StatusDocument } from '../model/status-document.ts';

export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 1536 → "1.5 KiB". */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return `${u === 0 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}

/** "1.2 KiB/s in · 3.4 KiB/s out" between two readings `dt` seconds apart; a dash without one. */
export function bytesRateText(now: { bytesReceived: number; bytesSent: number }, before: { bytesReceived: number; bytesSent: number } | undefined, dt: number): string {
  if (!before || dt <= 0) return '<span class="dim">–</span>';
  const r = Math.max(0, now.bytesReceived - before.bytesReceived) / dt;
  const s = Math.max(0, now.bytesSent - before.bytesSent) / dt;
  return `${bytesText(Math.round(r))}/s in · ${bytesText(Math.round(s))}/s out`;
}

/** A count by cause as its total and the causes that occurred: `{ no_endpoints: 3, local_error: 1,
 *  max_flows: 0 }` → "4 (no endpoints 3, local error 1)". */
export function causesText(byCause: Record<string, number | undefined>): string {
  const seen = Object.entries(byCause).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  const total = seen.reduce((sum, [, n]) => sum + n, 0);
  return seen.length === 0 ? '0' : `${total} (${seen.map(([cause, n]) => `${cause.replace(/_/g, ' ')} ${n}`).join(', ')})`;
}

/** The line under the title: when, how many, switchyard's CPU and memory. */
export function pageMeta(doc: StatusDocument, prev: StatusDocument | null): string {
  const cores = processCores(doc, prev);
  const proc = doc.process
    ? ` · CPU <span data-testid="cpu">${cores === null ? '–' : `${cores.toFixed(2)} cores`}</span> · memory ${bytesText(doc.process.residentBytes)}` : '';
  const notReady = doc.readiness && !doc.readiness.ready
    ? `<br><strong class="bad" data-testid="not-ready">Not ready: ${esc(doc.readiness.reason ?? 'no reason given')}</strong>` : '';
  const store = doc.store
    ? `<br><span data-testid="store">${esc(doc.store.message)} · controllers led by ${doc.store.leading ? 'this instance' : esc(doc.store.leader ?? 'nobody yet')}</span>` : '';
  return `Updated <time data-testid="updated">${esc(new Date(doc.time).toISOString())}</time> · ${doc.services.length} Services · ${doc.workers.length} workers${proc}${notReady}${store}`;
}

/** What a collapsed Service shows: its traffic now and anything wrong with it. */
export function serviceSummary(s: ServiceStatus, prev: ServiceStatus | undefined, dt: number): string {
  let active = 0;
  let conns = 0;
  let notReady = 0;
  let endpoints = 0;
  let hadPrev = false;
  for (const p of s.ports) {
    active += p.activeConnections;
    const b = prev?.ports.find((x) => x.port === p.port);
    if (b && dt > 0) { conns += Math.max(0, p.connectionsTotal - b.connectionsTotal) / dt; hadPrev = true; }
    for (const e of p.endpoints) { endpoints++; if (!e.ready) notReady++; }
  }
  const unbound = s.listeners.filter((l) => !l.bound).length;
  // A UDP port's connections are its flows.
  const udpOnly = s.ports.length > 0 && s.ports.every((p) => p.protocol === 'UDP');
  const parts = [`<span class="num">${hadPrev ? conns.toFixed(1) : '–'}</span> ${udpOnly ? 'flows/s' : 'conn/s'}`,
    `<span class="num">${active}</span> ${udpOnly ? 'live flows' : 'active'}`,
    `${endpoints} endpoint${endpoints === 1 ? '' : 's'}`];
  if (notReady) parts.push(`<span class="bad">${notReady} not ready</span>`);
  if (unbound) parts.push(`<span class="bad">${unbound} listener${unbound === 1 ? '' : 's'} not bound</span>`);
  if (s.ports.length > 0 && endpoints === 0) parts.push('<span class="bad">no endpoints</span>');
  return parts.join(' · ');
}

/** A port's figures and endpoint table (redrawn each update; the charts beside it are not). A UDP
 *  port shows its flows, datagrams, how flows ended and what was dropped; its endpoints, their
 *  flows, datagrams and ICMP refusals. */
export function portLive(p: ServicePortStats, before: ServicePortStats | undefined, dt: number): string {
  const udp = p.protocol === 'UDP' ? p.udp : undefined;
  const out: string[] = [];
  if (udp) {
    const ended = udp.flowsEnded;
    out.push(`<p class="figures"><b>${p.activeConnections}</b> live flows · ${p.connectionsTotal} total · ` +
      `${udp.datagramsReceived} datagrams in · ${udp.datagramsSent} out · ${bytesText(p.bytesReceived)} in · ${bytesText(p.bytesSent)} out · ` +
      `${bytesRateText(p, before, dt)} · ended: ${ended.idle} idle, ${ended.endpoint} endpoint gone, ${ended.refused} refused, ` +
      `${ended.closed} closed · ${causesText(udp.drops)} datagrams dropped</p>`);
  } else {
    out.push(`<p class="figures"><b>${p.activeConnections}</b> active · ${p.connectionsTotal} total · ` +
      `${bytesText(p.bytesReceived)} in · ${bytesText(p.bytesSent)} out · ${bytesRateText(p, before, dt)} · ${p.connectErrors} connect errors · ` +
      `${p.retries} retries · ${causesText(p.refusals)} refused</p>`);
  }
  out.push(udp
    ? '<table class="endpoints"><thead><tr><th>Endpoint</th><th>Pod</th><th>Health</th><th>Flows</th><th>Total</th><th>ICMP refused</th><th>Datagrams in / out</th><th>Bytes in / out</th><th>Throughput</th></tr></thead><tbody>'
    : '<table class="endpoints"><thead><tr><th>Endpoint</th><th>Pod</th><th>Health</th><th>Active</th><th>Total</th><th>Errors</th><th>Bytes in / out</th><th>Throughput</th></tr></thead><tbody>');
  if (p.endpoints.length === 0) {
    out.push(udp ? '<tr><td colspan="9" class="bad">No endpoints: datagrams are dropped.</td></tr>' : '<tr><td colspan="8" class="bad">No endpoints: connections are refused.</td></tr>');
  }
  for (const e of p.endpoints) {
    const health = e.ready ? 'ready' : e.conditions.filter((c) => c !== 'serving').join(', ') || 'not ready';
    const eb = before?.endpoints.find((x) => x.endpoint === e.endpoint);
    const counts = udp
      ? `<td>${e.udp?.icmpRefused ?? 0}</td><td>${e.udp?.datagramsReceived ?? 0} / ${e.udp?.datagramsSent ?? 0}</td>`
      : `<td>${e.connectErrors}</td>`;
    out.push(`<tr class="endpoint" data-endpoint="${esc(e.endpoint)}"><td>${esc(e.endpoint)}</td><td>${esc(e.pod || '—')}</td>` +
      `<td class="${e.ready ? 'ok' : 'bad'}" title="${esc(e.probeMessage ?? '')}">${e.ready ? '●' : '▲'} ${esc(health)}</td><td>${e.activeConnections}</td>` +
      `<td>${e.connectionsTotal}</td>${counts}<td>${bytesText(e.bytesReceived)} / ${bytesText(e.bytesSent)}</td>` +
      `<td>${bytesRateText(e, eb, dt)}</td></tr>`);
  }
  out.push('</tbody></table>');
  return out.join('');
}

export function listenersList(s: ServiceStatus): string {
  const ls = s.listeners.map((l) => l.bound
    ? `<li class="ok">${esc(l.id)} <small>${esc(l.role)}</small>${l.kernelDrops ? ` <span class="bad">${l.kernelDrops} dropped by the kernel (receive buffer full)</span>` : ''}</li>`
    : `<li class="bad">${esc(l.id)} <small>${esc(l.role)}</small> — ${esc(l.error ?? 'not bound yet')}</li>`);
  return ls.length ? `<ul class="listeners">${ls.join('')}</ul>` : '<p class="dim">No listeners (headless or ExternalName).</p>';
}

/** The inside of an expanded Service: listeners, then per port its charts' holder and its figures. */
export function serviceBody(s: ServiceStatus, prev: ServiceStatus | undefined, dt: number): string {
  const out = [`<div class="listeners-live">${listenersList(s)}</div>`];
  for (const p of s.ports) {
    const before = prev?.ports.find((x) => x.port === p.port);
    out.push(`<section class="port" data-port="${esc(p.port)}"><h3>Port ${esc(p.port)}</h3>` +
      `<div class="charts" data-charts="${esc(`${s.name}|${p.port}`)}"></div><div class="live">${portLive(p, before, dt)}</div></section>`);
  }
  return out.join('');
}

/** A Service as a disclosure: the summary line always, the body only when open (200 Services stay light). */
export function serviceSection(s: ServiceStatus, prev: ServiceStatus | undefined, dt: number, open: boolean): string {
  return `<details class="service" data-service="${esc(s.name)}"${open ? ' open' : ''}><summary><span class="name">${esc(s.name)}</span> ` +
    `<small>${esc(s.type)} ${esc(s.clusterIP)}</small> <span class="spark" aria-hidden="true"></span> <span class="summary-figures">${serviceSummary(s, prev, dt)}</span></summary>` +
    `<div class="body">${open ? serviceBody(s, prev, dt) : ''}</div></details>`;
}

export function workersTable(doc: StatusDocument): string {
  const rows = doc.workers.map((w) => `<tr><td>${w.worker}</td><td>${w.activeConnections}</td><td>${w.connectionsTotal}</td>` +
    `<td>${w.activeFlows ?? 0} / ${w.flowsTotal ?? 0}</td>` +
    `<td>${(w.loopDelayP50 * 1000).toFixed(1)} ms / ${(w.loopDelayP99 * 1000).toFixed(1)} ms</td><td>${w.restarts}</td></tr>`);
  return `<table><thead><tr><th>Worker</th><th>Active</th><th>Total</th><th>UDP flows / total</th><th>Loop delay p50 / p99</th><th>Restarts</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The whole of <main> for one document. Services are expanded when there are few of them. */
export function statusBody(doc: StatusDocument, prev: StatusDocument | null): string {
  const dt = prev ? (doc.time - prev.time) / 1000 : 0;
  const open = doc.services.length <= 4;
  const out: string[] = [];
  if (doc.services.length === 0) out.push('<p class="empty">No Services. Apply one with <code>switchyard apply -f FILE</code>.</p>');
  out.push('<div id="services">');
  for (const s of doc.services) out.push(serviceSection(s, prev?.services.find((x) => x.name === s.name), dt, open));
  out.push('</div>');
  out.push('<section class="workers"><h2>Workers and process</h2><div class="charts" data-charts="workers"></div>' +
    `<div class="live">${workersTable(doc)}</div></section>`);
  return out.join('\n');
}
