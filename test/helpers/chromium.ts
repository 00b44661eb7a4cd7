// Headless Chromium for the e2e tests that look at pages: Debian's chromium driven by playwright-core,
// in a throwaway profile removed by close().
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

type Playwright = typeof import('playwright-core');
export type BrowserContext = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;
export type BrowserPage = Awaited<ReturnType<BrowserContext['newPage']>>;

export async function launchChromium(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  let pw: Playwright;
  try {
    pw = await import('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed: run `npm install` (it is a devDependency) to run the browser tests');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`);
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  const context = await pw.chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
