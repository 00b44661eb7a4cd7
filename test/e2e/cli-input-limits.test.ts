// What the `switchyard` command reads, as a user runs it: manifests are read up to 16 MiB per file
// or stdin (a device or a huge file fails at once, not after gigabytes), token files others may
// read are refused, and broken input says what is wrong: a symlink loop, a document nested deeper
// than any manifest, a non-loopback admin address without a token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, runCli } from '../helpers/switchyard-process.ts';
import { freePort } from '../helpers/free-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-cli-limits-'));
const NO_SERVER = { server: 'http://127.0.0.1:1' };

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('apply -f /dev/zero fails at 16 MiB with a clear error instead of reading for ever', async () => {
  const r = await runCli(['apply', '-f', '/dev/zero'], NO_SERVER);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, 'error: /dev/zero holds more than 16777216 bytes; switchyard reads at most 16777216 bytes (16 MiB) from one manifest file or from stdin. Split the manifests into several files (a directory works), or check that the path is the one you meant\n');
});

test('a 100 MB file is refused on its size, before it is read; stdin over 16 MiB too', async () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, '');
  truncateSync(big, 100 * 1024 * 1024);
  const r = await runCli(['apply', '-f', big], NO_SERVER);
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`^error: ${big.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} holds 104857600 bytes; switchyard reads at most 16777216 bytes`));
  const s = await runCli(['apply', '-f', '-'], { ...NO_SERVER, stdin: `# ${'x'.repeat(17 * 1024 * 1024)}\n` });
  assert.is(s.code, 1);
  assert.match(s.stderr, /^error: STDIN holds more than 16777216 bytes/);
});

test('a symlink loop and a deeply nested document say what they are', async () => {
  const a = join(dir, 'loop-a.yaml');
  const b = join(dir, 'loop-b.yaml');
  symlinkSync(b, a);
  symlinkSync(a, b);
  const loop = await runCli(['apply', '-f', a], NO_SERVER);
  assert.is(loop.code, 1);
  assert.is(loop.stderr, `error: cannot read the path "${a}": it is a loop of symbolic links (a link that leads back to itself); fix or remove the link\n`);
  const deep = join(dir, 'deep.yaml');
  writeFileSync(deep, `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
  const d = await runCli(['apply', '-f', deep], NO_SERVER);
  assert.is(d.code, 1);
  assert.is(d.stderr, `error: error parsing ${deep}: a document nests deeper than 64 levels, which no Kubernetes object does; check the file is the manifest you meant\n`);
  assert.not.match(d.stderr, /call stack/);
});

/** Runs `switchyard serve …` expecting it to refuse to start; its exit code and stderr. */
function serveRefuses(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--state-dir', join(dir, 'state'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

test('token files that group or others may read or write are refused by serve and by the client', async () => {
  const token = join(dir, 'token');
  writeFileSync(token, 's3cret\n');
  chmodSync(token, 0o666);
  const port = await freePort();
  const serve = await serveRefuses(['--admin', `127.0.0.1:${port}`, '--token-file', token]);
  assert.is(serve.code, 1);
  assert.is(serve.stderr, `error: the token file ${token} may be read or written by users other than its owner (mode 0666); anyone who can read it controls the admin API. Run: chmod 600 ${token}\n`);
  const client = await runCli(['get', 'svc', '--token-file', token], NO_SERVER);
  assert.is(client.code, 1);
  assert.match(client.stderr, /mode 0666.*chmod 600/);
  chmodSync(token, 0o640);
  assert.match((await runCli(['get', 'svc', '--token-file', token], NO_SERVER)).stderr, /mode 0640/);
});

test('a non-loopback admin address without a token names the flags that exist', async () => {
  const r = await serveRefuses(['--admin', `0.0.0.0:${await freePort()}`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /SY_ADMIN_INSECURE/);
  assert.match(r.stderr, /serve --admin 127\.0\.0\.1:PORT/);
  assert.match(r.stderr, /serve --token-file FILE/);
  assert.not.match(r.stderr, /--admin-address/);
});

test.run();
