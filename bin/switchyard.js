#!/usr/bin/env node
// Launcher for the `switchyard` CLI. switchyard runs TypeScript directly (type stripping) and hands
// sockets to worker threads, which needs Node >= 24. When started by an older Node (a machine's
// default), re-run the same command on the Node pinned in the project's devDependencies.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (major >= 24) {
  await import(main);
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    console.error(`switchyard needs Node.js >= 24 (this is ${process.version}); run \`npm ci\` in ${fileURLToPath(new URL('..', import.meta.url))} to install the pinned runtime, or install Node 24+.`);
    process.exit(1);
  }
  const r = spawnSync(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}
