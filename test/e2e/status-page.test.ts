// The live status page in headless Chromium (Debian's chromium driven by playwright-core), served by
// `switchyard serve -f config/` — the walkthrough's nginx-svc with its demo backends. Checks the
// rendered DOM, that the page updates itself as traffic flows, and a screenshot of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import http from 'node:http';
import { ROOT, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

type Playwright = typeof import('playwright-core');
type Context = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;

let sy: SwitchyardProcess;
let context: Context | undefined;
const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
const shotDir = mkdtempSync(join(tmpdir(), 'switchyard-shot-'));

interface Doc { services: { name: string; ports: { endpoints: { endpoint: string; pod: string; ready: boolean }[] }[] }[] }

async function status(): Promise<Doc> {
  return (await (await fetch(`${sy.url}/status.json`)).json()) as Doc;
}

async function nodePortUrl(): Promise<string> {
  const svc = JSON.parse((await sy.cli(['get', 'svc', 'nginx-svc', '-o', 'json'])).stdout);
  return `http://${sy.nodeAddress}:${svc.spec.ports[0].nodePort}/`;
}

test.before(async () => {
  let pw: Playwright;
  try {
    pw = await import('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed: run `npm install` (it is a devDependency) to run the status page test');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the status page test`);
  sy = await startSwitchyard(['-f', join(ROOT, 'config')]);
  // The demo backends are added as Pods once serve is up; wait for three ready endpoints.
  for (let i = 0; ; i++) {
    const doc = await status();
    const eps = doc.services.find((s) => s.name === 'default/nginx-svc')?.ports[0]?.endpoints ?? [];
    if (eps.length === 3 && eps.every((e) => e.ready)) break;
    if (i > 150) throw new Error(`nginx-svc never got 3 ready endpoints: ${JSON.stringify(doc)}\n${sy.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 900 },
  });
});

test.after(async () => {
  await context?.close();
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  rmSync(profile, { recursive: true, force: true });
  rmSync(shotDir, { recursive: true, force: true });
});

test('the page shows nginx-svc, its listeners and endpoints, updates itself and screenshots', async () => {
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(`${sy.url}/`);
  assert.is(res?.status(), 200);
  assert.is(await page.title(), 'switchyard status');
  const doc = await status();
  const endpoints = doc.services.find((s) => s.name === 'default/nginx-svc')!.ports[0].endpoints;
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('default/nginx-svc'), text);
  assert.ok(text.includes('NodePort'));
  for (const e of endpoints) {
    assert.ok(text.includes(e.endpoint), `endpoint ${e.endpoint} on the page`);
    assert.ok(text.includes(e.pod), `pod ${e.pod} on the page`);
  }
  assert.is(await page.locator('section[data-service="default/nginx-svc"] tr.endpoint').count(), 3);
  assert.is(await page.locator('section[data-service="default/nginx-svc"] li.ok').count(), 2, 'ClusterIP and NodePort listeners bound');

  // Traffic after the page loaded must show up without a reload: the script polls /status.json.
  const url = await nodePortUrl();
  const first = await page.locator('[data-testid=updated]').innerText();
  for (let i = 0; i < 6; i++) assert.is(await getOnce(url), 200);
  // Functions, not strings (the page's CSP forbids eval); `Dom` stands in for the DOM library this
  // file is type-checked without. Only the function's own text reaches the browser.
  await page.waitForFunction(() => [...(globalThis as unknown as Dom).document.querySelectorAll('section[data-service="default/nginx-svc"] tr.endpoint td:nth-child(5)')]
    .reduce((n, td) => n + Number(td.textContent), 0) >= 6, undefined, { timeout: 15_000 }).catch((e) => { throw new Error(`${e.message}; page errors: ${errors.join('; ')}`); });
  assert.is.not(await page.locator('[data-testid=updated]').innerText(), first);
  // Rates need two polled samples; once there, every endpoint row shows bytes/s.
  await page.waitForFunction(() => (globalThis as unknown as Dom).document.querySelectorAll('tr.endpoint td:nth-child(8)')[0]?.textContent?.includes('/s in'),
    undefined, { timeout: 15_000 });
  // So does switchyard's CPU, in cores, beside its memory (the first render has one sample: "–").
  assert.match(await page.locator('[data-testid=cpu]').innerText(), /^\d+\.\d\d cores$/);
  assert.match(await page.locator('p.meta').innerText(), /memory \d+(\.\d)? MiB/);
  assert.is(await page.locator('#error').innerText(), '');

  const shot = join(shotDir, 'status.png');
  await page.screenshot({ path: shot, fullPage: true });
  assertNonTrivialPng(readFileSync(shot));
  assert.equal(errors, [], 'no script errors');
  await page.close();
});

/** The little of the DOM the predicates use (they run in the browser, serialised by source text). */
interface Dom { document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> & Iterable<{ textContent: string | null }> } }

/** One GET on its own connection (no keep-alive), so every request is one proxied connection. */
function getOnce(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
  });
}

/** PNG signature, a real size, and decoded pixel rows that are not all one colour. */
function assertNonTrivialPng(png: Buffer): void {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  assert.is(png.toString('latin1', 12, 16), 'IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.ok(width >= 800 && height >= 300, `screenshot ${width}x${height}`);
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
