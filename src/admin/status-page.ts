// The live status page at `/` on the admin address: server-rendered HTML, then a small inline script
// that fetches /status.json every second and re-renders with the same function (status-page-body.ts),
// computing bytes/s from successive samples. No framework, no build step. Main thread.
//
// Authentication is the admin API's: with a token configured every path, this one included, needs
// `Authorization: Bearer <token>` (never a query parameter, which would end up in logs and browser
// history). Browsers cannot add that header by themselves, so with a token the page is for a client
// that sets it (a reverse proxy, curl, a header extension); on a loopback admin address without a
// token it just opens. The script's fetch is same-origin and sends what the browser sends.
import { processCores, type StatusDocument } from '../model/status-document.ts';
import { statusBody } from './status-page-body.ts';

const CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --dim: #6e7781; --line: #d0d7de; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 72rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h2 small, li small { color: var(--dim); font-weight: normal; }
h3 { font-size: 1rem; margin: .75rem 0 .2rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .2rem .6rem .2rem 0; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .dim, .meta { color: var(--dim); }
ul.listeners { margin: .2rem 0; padding-left: 1.2rem; }
.figures b { font-size: 1.1rem; }
#error { color: var(--bad); min-height: 1.2em; }
`;

function script(): string {
  // The page keeps the previous sample for rates; a failed poll shows why and keeps trying.
  return `
${processCores.toString()}
${statusBody.toString()}
(function () {
  var prev = JSON.parse(document.getElementById('initial').textContent);
  var root = document.getElementById('status');
  var error = document.getElementById('error');
  function poll() {
    fetch('status.json', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('status.json answered ' + r.status); return r.json(); })
      .then(function (doc) { root.innerHTML = statusBody(doc, prev); prev = doc; error.textContent = ''; })
      .catch(function (e) { error.textContent = 'Not updating: ' + e.message; })
      .finally(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
`;
}

let cachedScript: string | undefined;

/** The whole page for `doc`; the script then keeps it current. */
export function renderStatusPage(doc: StatusDocument): string {
  cachedScript ??= script();
  // JSON inside <script type="application/json">: only "</" could end the element early.
  const initial = JSON.stringify(doc).replace(/<\//g, '<\\/');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>switchyard status</title>
<style>${CSS}</style>
</head>
<body>
<h1>switchyard</h1>
<div id="error" role="status"></div>
<main id="status">
${statusBody(doc, null)}
</main>
<script type="application/json" id="initial">${initial}</script>
<script>${cachedScript}</script>
</body>
</html>
`;
}
