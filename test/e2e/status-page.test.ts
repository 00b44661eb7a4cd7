// The live status page in headless Chromium (Debian's chromium driven by playwright-core), served by
// `switchyard serve -f config/` — the walkthrough's nginx-svc with its demo backends — plus a Service
// `web` of two TCP backends this test owns, with a 1 s readiness probe. Checks that the charts draw
// the traffic sent after the page loaded without a reload, that a backend's failure appears as a mark
// on the time axis with its reason, the tables behind the charts, the filter, and a page of 200
// Services. Screenshots at 1300×900, light and dark, go to test/output/status-page/ (git-ignored) for
// a person to look at.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import http from 'node:http';
import net from 'node:net';
import { randomLoopback } from '../helpers/free-port.ts';
import { launchChromium, type BrowserPage } from '../helpers/chromium.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const SHOTS = join(ROOT, 'test', 'output', 'status-page');

let sy: SwitchyardProcess;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let page: BrowserPage;
const errors: string[] = [];
const backends: TcpBackend[] = [];

interface Doc { services: { name: string; ports: { endpoints: { endpoint: string; pod: string; ready: boolean }[] }[] }[] }

async function status(): Promise<Doc> {
  return (await (await fetch(`${sy.url}/status.json`)).json()) as Doc;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}\n${sy.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyCount = async (name: string) => (await status()).services.find((s) => s.name === name)?.ports[0]?.endpoints.filter((e) => e.ready).length ?? 0;

async function servicePort(name: string, field: 'nodePort' | 'port'): Promise<number> {
  return JSON.parse((await sy.cli(['get', 'svc', name, '-o', 'json'])).stdout).spec.ports[0][field];
}

function webManifest(): string {
  let out = 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web }, ports: [{ port: 7000, targetPort: tcp }] }\n';
  backends.forEach((b, i) => {
    out += `---\napiVersion: v1\nkind: Pod\nmetadata: { name: web-${i + 1}, labels: { app: web } }\nspec:\n  containers:\n  - name: echo\n` +
      `    image: echo\n    ports: [{ name: tcp, containerPort: ${b.port} }]\n` +
      '    readinessProbe: { tcpSocket: { port: tcp }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 }\n' +
      `status: { podIP: ${b.ip} }\n`;
  });
  return out;
}

test.before(async () => {
  sy = await startSwitchyard(['-f', join(ROOT, 'config')]);
  await waitFor('nginx-svc with 3 ready endpoints', async () => (await readyCount('default/nginx-svc')) === 3);
  for (const name of ['web-1', 'web-2']) backends.push(await startTcpBackend(name, randomLoopback()));
  const applied = await sy.cli(['apply', '-f', '-'], webManifest());
  assert.is(applied.code, 0, applied.stderr);
  await waitFor('web with 2 ready endpoints', async () => (await readyCount('default/web')) === 2);
  browser = await launchChromium({ width: 1300, height: 900 });
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
});

test.after(async () => {
  await browser?.close();
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
});

/** The little of the DOM the predicates use (they run in the browser, serialised by source text). */
interface El { textContent: string | null; getAttribute(name: string): string | null; querySelectorAll(s: string): ArrayLike<El> & Iterable<El> }
interface Dom { document: El & { querySelector(s: string): El | null }; reloadMarker?: number }

test('the charts draw traffic sent after the page loaded, without a reload', async () => {
  const res = await page.goto(`${sy.url}/`);
  assert.is(res?.status(), 200);
  assert.is(await page.title(), 'switchyard status');
  // Every script and style is switchyard's own: nothing else was requested.
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('default/nginx-svc') && text.includes('default/web'), text);
  const nginx = page.locator('details.service[data-service="default/nginx-svc"]');
  assert.is(await nginx.getAttribute('open'), '', 'two Services: both expanded');
  assert.is(await nginx.locator('tr.endpoint').count(), 3);
  assert.is(await nginx.locator('ul.listeners li.ok').count(), 2, 'ClusterIP and NodePort listeners bound');
  await waitFor('four charts for nginx-svc', async () => (await nginx.locator('figure.chart .uplot').count()) === 4);
  assert.is(await page.locator('.workers figure.chart .uplot').count(), 4, 'loop delay, active, connections per worker, CPU');
  await page.evaluate(() => { (globalThis as unknown as Dom).reloadMarker = 1; });

  const first = await page.locator('[data-testid=updated]').innerText();
  const url = `http://${sy.nodeAddress}:${await servicePort('nginx-svc', 'nodePort')}/`;
  for (let i = 0; i < 30; i++) assert.is(await getOnce(url), 200);
  // The connections chart's accessible name carries its numbers: the highest new connections/s.
  await page.waitForFunction(() => /new connections now [^;]*, highest [1-9]/.test(
    (globalThis as unknown as Dom).document.querySelector('details[data-service="default/nginx-svc"] figure[data-chart="rate"] .plot')?.getAttribute('aria-label') ?? ''),
  undefined, { timeout: 15_000 }).catch((e) => { throw new Error(`${e.message}; page errors: ${errors.join('; ')}`); });
  assert.is.not(await page.locator('[data-testid=updated]').innerText(), first, 'figures updated in place');
  assert.is(await page.evaluate(() => (globalThis as unknown as Dom).reloadMarker), 1, 'the page was not reloaded');
  const label = await nginx.locator('figure[data-chart="bytes"] .plot').getAttribute('aria-label');
  assert.match(label ?? '', /from clients now .*highest \d+(\.\d)? (B|KiB)\/s/);
  // The share bars: three endpoints, each near the even third after round-robin.
  await waitFor('share bars with counts', async () => (await nginx.locator('.share-row').count()) === 3
    && (await nginx.locator('.share-row .pct small').allInnerTexts()).reduce((n, t) => n + Number(t), 0) >= 30);
  for (const pct of await nginx.locator('.share-row .pct').allInnerTexts()) assert.match(pct, /^3\d\.\d%/, `round-robin share ${pct}`);

  // The same numbers as a table on demand.
  const button = nginx.locator('figure[data-chart="rate"] .table-toggle');
  await button.click();
  assert.is(await button.getAttribute('aria-expanded'), 'true');
  const rows = await nginx.locator('figure[data-chart="rate"] table.series tbody tr').allInnerTexts();
  assert.ok(rows.length >= 2, `rows: ${rows.length}`);
  assert.ok(rows.some((r) => /\t[1-9][\d.]*\/s/.test(r)), `a row with new connections: ${rows.slice(0, 8).join(' | ')}`);
  await button.click();
  assert.equal(errors, [], 'no script errors');
});

test('a backend that fails its probe appears on the time axis with the reason', async () => {
  const web = page.locator('details.service[data-service="default/web"]');
  // A little traffic, so the web charts have lines as well as the mark.
  const port = await servicePort('web', 'port');
  const clusterIP = JSON.parse((await sy.cli(['get', 'svc', 'web', '-o', 'json'])).stdout).spec.clusterIP;
  for (let i = 0; i < 8; i++) await greet(clusterIP, port);
  await backends[1].close();
  await waitFor('web-2 not ready', async () => (await readyCount('default/web')) === 1);
  const mark = web.locator('figure[data-chart="rate"] .mark[data-state="not ready"]');
  await mark.first().waitFor({ timeout: 15_000 });
  const reason = await mark.first().getAttribute('aria-label');
  assert.ok(reason?.includes(`${backends[1].ip}:${backends[1].port} not ready: Readiness probe failed`), reason ?? '');
  // It sits on the time axis: inside the plot, towards the right (it just happened).
  const box = await mark.first().boundingBox();
  const plot = await web.locator('figure[data-chart="rate"] .u-over').boundingBox();
  assert.ok(box && plot && box.x >= plot.x && box.x <= plot.x + plot.width && box.x > plot.x + plot.width / 2, JSON.stringify({ box, plot }));
  const change = web.locator('.changes li[data-state="not ready"]');
  assert.match(await change.first().innerText(), /not ready — Readiness probe failed: .*connection refused/);
  assert.equal(errors, [], 'no script errors');
});

test('screenshots at 1300×900, light and dark', async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // The charts are redrawn in the scheme's colours (Okabe–Ito blue, lighter on dark); wait for them.
    const blue = scheme === 'dark' ? 'rgb(86, 180, 233)' : 'rgb(0, 114, 178)';
    await waitFor(`charts in ${scheme}`, async () => (await page.locator('details[data-service="default/nginx-svc"] figure.chart .uplot').count()) === 4
      && (await page.locator('details[data-service="default/nginx-svc"] figure[data-chart="rate"] .u-series .u-marker').nth(1)
        .evaluate((el) => (el as unknown as { style: { borderColor: string } }).style.borderColor)) === blue);
    const bg = await page.evaluate(() => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { documentElement: unknown } };
      return g.getComputedStyle(g.document.documentElement).backgroundColor;
    });
    assert.is(bg, scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
    const viewport = join(SHOTS, `status-${scheme}.png`);
    await page.screenshot({ path: viewport });
    assertNonTrivialPng(readFileSync(viewport), 1300, 900);
    await page.screenshot({ path: join(SHOTS, `status-${scheme}-full.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(errors, [], 'no script errors');
});

test('200 Services: collapsed, filtered, one expanded on demand', async () => {
  let yaml = '';
  for (let i = 0; i < 200; i++) yaml += `---\napiVersion: v1\nkind: Service\nmetadata: { name: svc-${i} }\nspec: { selector: { app: none-${i} }, ports: [{ port: 80 }] }\n`;
  const applied = await sy.cli(['apply', '-f', '-'], yaml);
  assert.is(applied.code, 0, applied.stderr);
  await waitFor('202 Services in status.json', async () => (await status()).services.length === 202);
  const html = await (await fetch(`${sy.url}/`)).text();
  assert.ok(html.length < 2_000_000, `the first page is ${html.length} bytes`);
  await page.goto(`${sy.url}/`);
  assert.is(await page.locator('details.service').count(), 202);
  assert.is(await page.locator('details.service[open]').count(), 0, 'collapsed by default');
  assert.is(await page.locator('figure.chart .uplot').count(), 4, 'only the workers\' charts are drawn');
  await page.locator('#filter').fill('svc-13');
  assert.match(await page.locator('#shown').innerText(), /^11 of 202 Services shown$/);
  await page.locator('#filter').fill('svc-137');
  const one = page.locator('details.service[data-service="default/svc-137"]');
  await one.locator('summary').click();
  await waitFor('svc-137 charts', async () => (await one.locator('figure.chart .uplot').count()) === 4);
  assert.match(await one.locator('summary').innerText(), /no endpoints/);
  // Still updating with 202 Services.
  const before = await page.locator('[data-testid=updated]').innerText();
  await waitFor('an update', async () => (await page.locator('[data-testid=updated]').innerText()) !== before);
  await page.screenshot({ path: join(SHOTS, 'status-200-services.png') });
  assert.equal(errors, [], 'no script errors');
});

/** One GET on its own connection (no keep-alive), so every request is one proxied connection. */
function getOnce(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
  });
}

/** Connect to a TCP backend through switchyard, read its greeting, close. */
function greet(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('data', () => { s.end(); resolve(); });
    s.on('error', reject);
  });
}

/** PNG signature, the size asked for, and decoded pixel rows that are not all one colour. */
function assertNonTrivialPng(png: Buffer, width: number, height: number): void {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  assert.is(png.toString('latin1', 12, 16), 'IHDR');
  assert.is(png.readUInt32BE(16), width);
  assert.is(png.readUInt32BE(20), height);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  const distinct = new Set<number>();
  for (let i = 0; i < pixels.length; i += 7) distinct.add(pixels[i]);
  assert.ok(distinct.size > 16, `the screenshot has content (${distinct.size} distinct byte values)`);
}

test.run();
