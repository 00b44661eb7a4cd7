// The admin routes of the metrics subsystem: /metrics (Prometheus text), /status.json (what the
// status page and `switchyard top` poll; with `?since=` it also carries the sampled history) and /
// (the status page) with its scripts and stylesheet under /assets/. Main thread; each request reads
// the shared table once. Registered through startAdminServer's extraRoutes, so the admin server's
// token check and limits apply to them like to every other path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminRoute } from './admin-server.ts';
import { readMetrics, readStatus, type MetricsSource } from './metrics-snapshot.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './metrics-prometheus.ts';
import { renderStatusPage } from './status-page.ts';
import { sendJson } from './send-json.ts';
import { historyView } from './status-history-view.ts';
import { parseHistoryQuery } from './status-history-query.ts';
import type { SamplerState } from './status-sampler.ts';
import { statusPageScript, uplotAssets } from '../web/page-assets.ts';
import type { StatusDocument } from '../model/status-document.ts';

function send(res: ServerResponse, contentType: string, text: string, cache = 'no-store'): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://admin.invalid').searchParams;
}

/** `history`: the status sampler's state; without it /status.json has no history to give. */
export function metricsRoutes(src: MetricsSource, history?: SamplerState): AdminRoute[] {
  const routes: AdminRoute[] = [];
  const both = (path: string, handler: AdminRoute['handler']) => {
    routes.push({ method: 'GET', path, handler }, { method: 'HEAD', path, handler });
  };
  both('/metrics', (_req, res) => send(res, PROMETHEUS_CONTENT_TYPE, renderPrometheus(readMetrics(src)) + (src.extraMetrics?.() ?? '')));
  both('/status.json', (req, res) => {
    const q = parseHistoryQuery(query(req));
    const doc: StatusDocument = readStatus(src);
    if (q && history) doc.history = historyView(history, q);
    sendJson(res, 200, doc);
  });
  both('/', (_req, res) => {
    const doc: StatusDocument = readStatus(src);
    // The first frame's charts: every series when the page opens every Service (a few of them),
    // otherwise only what the collapsed rows draw; expanding a Service fetches the rest.
    if (history) doc.history = historyView(history, { since: 0, ...(doc.services.length > 4 ? { series: new Set(['connections']) } : {}) });
    // Scripts and styles are the page's own; nothing may run or be fetched from elsewhere.
    res.setHeader('content-security-policy',
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'");
    send(res, 'text/html; charset=utf-8', renderStatusPage(doc));
  });
  // Versioned by the running server: a restart may bring a new script, so browsers revalidate.
  both('/assets/uplot.js', (_req, res) => send(res, 'text/javascript; charset=utf-8', uplotAssets().js, 'no-cache'));
  both('/assets/uplot.css', (_req, res) => send(res, 'text/css; charset=utf-8', uplotAssets().css, 'no-cache'));
  both('/assets/status-page.js', async (_req, res) => send(res, 'text/javascript; charset=utf-8', await statusPageScript(), 'no-cache'));
  return routes;
}
