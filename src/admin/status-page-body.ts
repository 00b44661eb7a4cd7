// The status page's markup, from one /status.json document. The same functions render the first
// page on the server and every refresh in the browser: status-page.ts embeds their source text in
// the page's script, so they must stay self-contained — no outer variables besides each other and
// processCores (src/model/status-document.ts, embedded beside them), nothing but what browsers and
// Node both have. (Node strips the type annotations before the source text exists.)
import { processCores, type StatusDocument } from '../model/status-document.ts';

/** `prev` is the previous sample (for bytes/s and CPU), or null on the first render. */
export function statusBody(doc: StatusDocument, prev: StatusDocument | null): string {
  const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  const bytes = (n: number): string => {
    let u = 0;
    while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
  };
  const dt = prev ? (doc.time - prev.time) / 1000 : 0;
  const before = new Map<string, { bytesReceived: number; bytesSent: number }>();
  if (prev) {
    for (const s of prev.services) {
      for (const p of s.ports) {
        before.set(`${s.name}|${p.port}`, p);
        for (const e of p.endpoints) before.set(`${s.name}|${p.port}|${e.endpoint}`, e);
      }
    }
  }
  const rate = (key: string, now: { bytesReceived: number; bytesSent: number }): string => {
    const b = before.get(key);
    if (!b || dt <= 0) return '<span class="dim">–</span>';
    const r = Math.max(0, now.bytesReceived - b.bytesReceived) / dt;
    const s = Math.max(0, now.bytesSent - b.bytesSent) / dt;
    return `${bytes(Math.round(r))}/s in · ${bytes(Math.round(s))}/s out`;
  };

  const cores = processCores(doc, prev);
  const proc = doc.process
    ? ` · CPU <span data-testid="cpu">${cores === null ? '–' : `${cores.toFixed(2)} cores`}</span> · memory ${bytes(doc.process.residentBytes)}` : '';
  const out: string[] = [];
  out.push(`<p class="meta">Updated <time data-testid="updated">${esc(new Date(doc.time).toISOString())}</time> · ${doc.services.length} Services · ${doc.workers.length} workers${proc}</p>`);
  if (doc.services.length === 0) out.push('<p class="empty">No Services. Apply one with <code>switchyard apply -f FILE</code>.</p>');
  for (const s of doc.services) {
    out.push(`<section class="service" data-service="${esc(s.name)}"><h2>${esc(s.name)} <small>${esc(s.type)} ${esc(s.clusterIP)}</small></h2>`);
    const ls = s.listeners.map((l) => l.bound
      ? `<li class="ok">${esc(l.id)} <small>${esc(l.role)}</small>${l.kernelDrops ? ` <span class="bad">${l.kernelDrops} dropped by the kernel (receive buffer full)</span>` : ''}</li>`
      : `<li class="bad">${esc(l.id)} <small>${esc(l.role)}</small> — ${esc(l.error ?? 'not bound yet')}</li>`);
    out.push(ls.length ? `<ul class="listeners">${ls.join('')}</ul>` : '<p class="dim">No listeners (headless or ExternalName).</p>');
    for (const p of s.ports) {
      const key = `${s.name}|${p.port}`;
      const udp = p.protocol === 'UDP' ? p.udp : undefined;
      if (udp) {
        const dropped = udp.drops.no_endpoints + udp.drops.max_flows + udp.drops.source_range + udp.drops.upstream_error + udp.drops.draining;
        const ended = udp.flowsEnded;
        out.push(`<h3>Port ${esc(p.port)}</h3><p class="figures"><b>${p.activeConnections}</b> live flows · ${p.connectionsTotal} total · ` +
          `${udp.datagramsReceived} datagrams in · ${udp.datagramsSent} out · ${bytes(p.bytesReceived)} in · ${bytes(p.bytesSent)} out · ${rate(key, p)} · ` +
          `ended: ${ended.idle} idle, ${ended.endpoint} endpoint gone, ${ended.refused} refused, ${ended.closed} closed · ${dropped} datagrams dropped</p>`);
      } else {
        const refused = p.refusals.no_endpoints + p.refusals.max_connections + p.refusals.source_range;
        out.push(`<h3>Port ${esc(p.port)}</h3><p class="figures"><b>${p.activeConnections}</b> active · ${p.connectionsTotal} total · ` +
          `${bytes(p.bytesReceived)} in · ${bytes(p.bytesSent)} out · ${rate(key, p)} · ${p.connectErrors} connect errors · ` +
          `${p.retries} retries · ${refused} refused</p>`);
      }
      out.push(udp
        ? '<table><thead><tr><th>Endpoint</th><th>Pod</th><th>Health</th><th>Flows</th><th>Total</th><th>ICMP refused</th><th>Datagrams in / out</th><th>Bytes in / out</th><th>Throughput</th></tr></thead><tbody>'
        : '<table><thead><tr><th>Endpoint</th><th>Pod</th><th>Health</th><th>Active</th><th>Total</th><th>Errors</th><th>Bytes in / out</th><th>Throughput</th></tr></thead><tbody>');
      if (p.endpoints.length === 0) out.push(udp ? '<tr><td colspan="9" class="bad">No endpoints: datagrams are dropped.</td></tr>' : '<tr><td colspan="8" class="bad">No endpoints: connections are refused.</td></tr>');
      for (const e of p.endpoints) {
        const health = e.ready ? 'ready' : e.conditions.filter((c) => c !== 'serving').join(', ') || 'not ready';
        const counts = udp
          ? `<td>${e.udp?.icmpRefused ?? 0}</td><td>${e.udp?.datagramsReceived ?? 0} / ${e.udp?.datagramsSent ?? 0}</td>`
          : `<td>${e.connectErrors}</td>`;
        out.push(`<tr class="endpoint" data-endpoint="${esc(e.endpoint)}"><td>${esc(e.endpoint)}</td><td>${esc(e.pod || '—')}</td>` +
          `<td class="${e.ready ? 'ok' : 'bad'}" title="${esc(e.probeMessage ?? '')}">${esc(health)}</td><td>${e.activeConnections}</td>` +
          `<td>${e.connectionsTotal}</td>${counts}<td>${bytes(e.bytesReceived)} / ${bytes(e.bytesSent)}</td>` +
          `<td>${rate(`${key}|${e.endpoint}`, e)}</td></tr>`);
      }
      out.push('</tbody></table>');
    }
    out.push('</section>');
  }
  out.push('<section class="workers"><h2>Workers</h2><table><thead><tr><th>Worker</th><th>Active</th><th>Total</th><th>UDP flows / total</th><th>Loop delay p50 / p99</th><th>Restarts</th></tr></thead><tbody>');
  for (const w of doc.workers) {
    out.push(`<tr><td>${w.worker}</td><td>${w.activeConnections}</td><td>${w.connectionsTotal}</td><td>${w.activeFlows ?? 0} / ${w.flowsTotal ?? 0}</td>` +
      `<td>${(w.loopDelayP50 * 1000).toFixed(1)} ms / ${(w.loopDelayP99 * 1000).toFixed(1)} ms</td><td>${w.restarts}</td></tr>`);
  }
  out.push('</tbody></table></section>');
  return out.join('\n');
}
