// What the browser runs, as text: uPlot (the chart library, from the uplot package) and our own
// browser code, which is written as TypeScript functions (client/*.ts, status-markup.ts) and reaches
// the page as their source text. Node strips the types when it loads those modules, so a function's
// toString() is plain JavaScript; the page script is every exported function of the modules it needs,
// then one call. Main thread of the server (the status page) and the CLI process (the bench report);
// read once and cached.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { processCores } from '../model/status-document.ts';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;

/** uPlot's minified browser build (it defines the global `uPlot`) and its stylesheet. */
export function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

// The client modules are loaded by URL, not imported: they use the DOM, which the server's own type
// check (without the DOM library) must not follow into. src/web/client/tsconfig.json checks them.
const MODULES = {
  markup: new URL('./status-markup.ts', import.meta.url),
  charts: new URL('./client/charts.ts', import.meta.url),
  store: new URL('./client/history-store.ts', import.meta.url),
  status: new URL('./client/status-client.ts', import.meta.url),
  report: new URL('./client/report-client.ts', import.meta.url),
};
type ModuleName = keyof typeof MODULES;

async function functionsOf(name: ModuleName): Promise<string[]> {
  const mod = (await import(MODULES[name].href)) as Record<string, unknown>;
  return Object.values(mod).filter((v): v is (...args: unknown[]) => unknown => typeof v === 'function').map((f) => f.toString());
}

const scripts = new Map<string, Promise<string>>();

/** The script that runs `entry()` after defining every function of `modules`, in an IIFE (nothing
 *  leaks into the page's globals but what uPlot defines). */
export function pageScript(modules: ModuleName[], entry: string): Promise<string> {
  const key = `${modules.join(',')}:${entry}`;
  let s = scripts.get(key);
  if (!s) {
    s = (async () => {
      const parts = [processCores.toString()];
      for (const m of modules) parts.push(...(await functionsOf(m)));
      return `(function () {\n'use strict';\n${parts.join('\n')}\n${entry}();\n})();\n`;
    })();
    scripts.set(key, s);
  }
  return s;
}

/** The status page's script. */
export function statusPageScript(): Promise<string> {
  return pageScript(['markup', 'charts', 'store', 'status'], 'startStatusPage');
}
