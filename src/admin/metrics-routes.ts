// The admin routes of the metrics subsystem: /metrics (Prometheus text), /status.json (what the
// status page and `switchyard top` poll) and / (the status page). Main thread; each request reads
// the shared table once. Registered through startAdminServer's extraRoutes, so the admin server's
// token check and limits apply to them like to every other path.
import type { ServerResponse } from 'node:http';
import type { AdminRoute } from './admin-server.ts';
import { readMetrics, readStatus, type MetricsSource } from './metrics-snapshot.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './metrics-prometheus.ts';
import { renderStatusPage } from './status-page.ts';
import { sendJson } from './send-json.ts';

function send(res: ServerResponse, contentType: string, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function metricsRoutes(src: MetricsSource): AdminRoute[] {
  const routes: AdminRoute[] = [];
  const both = (path: string, handler: AdminRoute['handler']) => {
    routes.push({ method: 'GET', path, handler }, { method: 'HEAD', path, handler });
  };
  both('/metrics', (_req, res) => send(res, PROMETHEUS_CONTENT_TYPE, renderPrometheus(readMetrics(src)) + (src.extraMetrics?.() ?? '')));
  both('/status.json', (_req, res) => sendJson(res, 200, readStatus(src)));
  both('/', (_req, res) => {
    // The inline script is the page's own; nothing else may run or be fetched from elsewhere.
    res.setHeader('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
    res.setHeader('x-content-type-options', 'nosniff');
    send(res, 'text/html; charset=utf-8', renderStatusPage(readStatus(src)));
  });
  return routes;
}
