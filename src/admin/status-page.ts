// The live status page at `/` on the admin address: server-rendered HTML (the figures, readable
// without any script), then the page's script (assets/status-page.js, src/web/client) polls
// /status.json every second and draws the charts with uPlot (assets/uplot.js). Every script and style
// comes from switchyard itself: the page works with no network beyond the admin address. Main thread.
//
// Authentication is the admin API's: with a token configured every path, this one and its assets
// included, needs `Authorization: Bearer <token>` (never a query parameter, which would end up in logs
// and browser history). Browsers cannot add that header by themselves, so with a token the page is for
// a client that sets it (a reverse proxy, curl, a header extension); on a loopback admin address
// without a token it just opens. The script's fetches are same-origin and send what the browser sends.
import type { StatusDocument } from '../model/status-document.ts';
import { pageMeta, statusBody } from '../web/status-markup.ts';
import { CHART_CSS } from '../web/chart-styles.ts';

const CSS = `
ul.listeners { margin: .2rem 0; padding-left: 1.2rem; }
.figures b { font-size: 1.1rem; }
#error { color: var(--bad); min-height: 1.2em; }
.toolbar { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
.toolbar input { font: inherit; padding: .25rem .5rem; min-width: 18rem; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
.toolbar button { font: inherit; font-size: .8rem; padding: .15rem .5rem; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
details.service { border-top: 1px solid var(--line); }
details.service > summary { padding: .4rem 0; cursor: pointer; display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
details.service > summary .name { font-weight: 600; font-size: 1.05rem; }
details.service > summary .summary-figures { color: var(--dim); }
details.service > summary .spark { color: var(--accent); align-self: center; line-height: 0; }
details.service[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: .3rem; }
.body { padding: 0 0 .8rem 1rem; }
`;

/** The whole page for `doc` (with its history, for the charts' first frame); the script keeps it current. */
export function renderStatusPage(doc: StatusDocument): string {
  // JSON inside <script type="application/json">: only "</" could end the element early.
  const initial = JSON.stringify(doc).replace(/<\//g, '<\\/');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>switchyard status</title>
<link rel="stylesheet" href="assets/uplot.css">
<style>${CHART_CSS}${CSS}</style>
</head>
<body>
<header>
<h1>switchyard</h1>
<p class="meta" id="meta">${pageMeta(doc, null)}</p>
<div class="toolbar" role="search">
<input type="search" id="filter" placeholder="Filter Services by namespace/name" aria-label="Filter Services by namespace/name" autocomplete="off">
<span id="shown" class="dim" aria-live="polite">${doc.services.length} of ${doc.services.length} Services shown</span>
<button type="button" id="expand-all">Expand all shown</button><button type="button" id="collapse-all">Collapse all</button>
</div>
</header>
<div id="error" role="status"></div>
<main id="status">
${statusBody(doc, null)}
</main>
<script type="application/json" id="initial">${initial}</script>
<script src="assets/uplot.js"></script>
<script src="assets/status-page.js"></script>
</body>
</html>
`;
}
