// `switchyard bench --report FILE.html` against the walkthrough's nginx-svc and its demo backends:
// the file is self-contained (nothing refers outside it), opens in headless Chromium from disk with
// its charts drawn from the run's data, the latency histogram, the spread over the three endpoints
// and what limited the run. Screenshots go to test/output/bench-report/ (git-ignored).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../helpers/chromium.ts';
import { ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const SHOTS = join(ROOT, 'test', 'output', 'bench-report');
let sy: SwitchyardProcess;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-report-'));

test.before(async () => {
  sy = await startSwitchyard(['-f', join(ROOT, 'config')]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const doc = await (await fetch(`${sy.url}/status.json`)).json() as { services: { name: string; ports: { endpoints: { ready: boolean }[] }[] }[] };
    if (doc.services.find((s) => s.name === 'default/nginx-svc')?.ports[0]?.endpoints.filter((e) => e.ready).length === 3) break;
    if (Date.now() > deadline) throw new Error(`nginx-svc never got 3 ready endpoints\n${sy.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.after(async () => {
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  rmSync(dir, { recursive: true, force: true });
});

test('the report file holds the run, and opens with its charts', async () => {
  const file = join(dir, 'bench.html');
  const r = await sy.cli(['bench', 'nginx-svc', '-d', '3', '-c', '4', '--rate', '300', '--no-direct', '--report', file]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote the HTML report to .*bench\.html\n/);
  assert.not.match(r.stderr, /keeps no history/);
  const html = readFileSync(file, 'utf8');
  // Self-contained: no script, style, image or font from anywhere else.
  assert.not.match(html, /<script[^>]+src=|<link[^>]+href=|url\(\s*['"]?https?:|@import/i);
  assert.match(html, /"timeline":\{"startedAt":\d+,"times":\[\d/, 'the data is embedded');

  const browser = await launchChromium({ width: 1300, height: 900 });
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // Any request leaving the file would be a dependency the report must not have.
    const requests: string[] = [];
    page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) requests.push(req.url()); });
    await page.goto(`file://${file}`);
    assert.match(await page.title(), /^switchyard bench — default\/nginx-svc/);
    await page.locator('figure.chart .uplot').nth(3).waitFor({ timeout: 10_000 });
    assert.is(await page.locator('figure.chart .uplot').count(), 4, 'requests/s, latency, CPU, connect latency');
    const label = (id: string) => page.locator(`figure[data-chart="${id}"] .plot`).getAttribute('aria-label');
    assert.match(await label('requests') ?? '', /answered now [^;]*, highest [1-9]/);
    assert.match(await label('latency') ?? '', /p99 now [\d.]+ ms/);
    assert.match(await label('cpu') ?? '', /switchyard now [\d.]+, highest [\d.]+; load generator now [\d.]+/);
    const connect = await label('connect') ?? '';
    if (!/p50 now \d/.test(connect)) {
      // What the report kept, the run's own ticks and everything the server sampled, to see why.
      const history = await (await fetch(`${sy.url}/status.json?since=0&service=default/nginx-svc`)).json() as { history?: { times: number[]; ports: { series: Record<string, unknown> }[] } };
      const port = history.history?.ports[0]?.series;
      assert.unreachable(`${connect}\nreport: ${html.match(/"server":\{[^}]*\}/)?.[0] ?? 'no server data'}\n` +
        `timeline: ${html.match(/"timeline":\{"startedAt":\d+,"times":\[[^\]]*\]/)?.[0]}\n` +
        `server times: ${JSON.stringify(history.history?.times.slice(-12))}\nconnections: ${JSON.stringify((port?.connections as unknown[] | undefined)?.slice(-12))}\n` +
        `connectP50: ${JSON.stringify((port?.connectP50 as unknown[] | undefined)?.slice(-12))}`);
    }
    assert.is(await page.locator('#spread .share-row').count(), 3);
    assert.ok(await page.locator('#histogram .col').count() >= 2, 'histogram columns');
    assert.match(await page.locator('#limit').innerText(), /^What limited the run: \S/);
    mkdirSync(SHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(SHOTS, `report-${scheme}.png`), fullPage: true });
    }
    assert.equal(errors, [], 'no script errors');
    assert.equal(requests, [], 'nothing fetched');
  } finally {
    await browser.close();
  }
});

test.run();
