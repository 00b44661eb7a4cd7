// `switchyard top` in a real pseudo-terminal: tmux runs it in a 150×40 pane (its own server socket,
// killed at the end), the test reads the screen with capture-pane as a person would see it and types
// `q`. Two Services of TCP backends this test owns; one gets traffic and must be listed first, with
// sparklines; quitting leaves the alternate screen and exits 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopback } from '../helpers/free-port.ts';
import { startTcpBackend, type TcpBackend } from '../helpers/tcp-backends.ts';
import { BIN, removeDir, startSwitchyard, type SwitchyardProcess } from '../helpers/switchyard-process.ts';

const SOCKET = `switchyard-top-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
const statusFile = join(tmpdir(), `${SOCKET}.status`);
let sy: SwitchyardProcess;
const backends: TcpBackend[] = [];
let tmuxStarted = false;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

const screen = () => tmux('capture-pane', '-p', '-t', 'top');

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; screen:\n${tmuxStarted ? screen() : ''}\n${sy.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function manifest(name: string, ports: TcpBackend[]): string {
  return `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { ports: [{ port: 7000 }] }\n---\n` +
    `apiVersion: v1\nkind: Endpoints\nmetadata: { name: ${name} }\nsubsets:\n` +
    ports.map((b) => `- addresses: [{ ip: ${b.ip} }]\n  ports: [{ port: ${b.port} }]\n`).join('');
}

function greet(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('data', () => { s.end(); resolve(); });
    s.on('error', reject);
  });
}

test.before(async () => {
  sy = await startSwitchyard(['--no-default-probe']);
  for (let i = 0; i < 3; i++) backends.push(await startTcpBackend(`b${i}`, randomLoopback()));
  const applied = await sy.cli(['apply', '-f', '-'], manifest('busy', backends.slice(0, 2)) + '---\n' + manifest('quiet', backends.slice(2)));
  assert.is(applied.code, 0, applied.stderr);
});

test.after(async () => {
  if (tmuxStarted) { try { tmux('kill-server'); } catch { /* already gone */ } }
  rmSync(statusFile, { force: true });
  await sy?.stop();
  if (sy) removeDir(sy.stateDir);
  for (const b of backends) await b.close();
});

test('top redraws in place, busiest first with sparklines, and q quits', async () => {
  const busy = JSON.parse((await sy.cli(['get', 'svc', 'busy', '-o', 'json'])).stdout).spec.clusterIP;
  // The pane stays after the command exits, so its exit status can be read.
  // The shell records top's exit status in a file: tmux's own pane_dead_status is sometimes never set.
  tmux('new-session', '-d', '-x', '150', '-y', '40', '-s', 'top', `${process.execPath} ${BIN} top --server ${sy.url}; echo $? > ${statusFile}`, ';',
    'set-option', '-t', 'top', 'remain-on-exit', 'on');
  tmuxStarted = true;
  await waitFor('the first frame', () => screen().includes('switchyard top —'));
  // A few seconds of traffic to busy, one connection at a time (bounded in count and time).
  const until = Date.now() + 4000;
  for (let i = 0; i < 400 && Date.now() < until; i++) await greet(busy, 7000);
  // A frame drawn while the last greetings were closing shows them active: wait for one after.
  await waitFor('busy listed first with a sparkline, its connections closed', () => {
    const lines = screen().split('\n');
    const b = lines.findIndex((l) => l.startsWith('default/busy 7000/TCP'));
    const q = lines.findIndex((l) => l.startsWith('default/quiet 7000/TCP'));
    return b > 0 && q > b && /[▂▃▄▅▆▇█]/.test(lines[b]) && /2\/2 ready +\d+\.\d +0 /.test(lines[b]);
  });
  const lines = screen().split('\n');
  const b = lines.findIndex((l) => l.startsWith('default/busy 7000/TCP'));
  assert.match(lines[b], /2\/2 ready +\d+\.\d +0 /, lines[b]);
  // Its two endpoints under it, each with its own sparkline; the quiet one's line is flat.
  for (const e of backends.slice(0, 2)) {
    const row = lines.find((l) => l.startsWith(`  ${e.ip}:${e.port}`));
    assert.ok(row && /ready/.test(row) && /[▂▃▄▅▆▇█]/.test(row), `endpoint row: ${row}\n${lines.join('\n')}`);
  }
  const quiet = lines.find((l) => l.startsWith('default/quiet 7000/TCP'))!;
  assert.not.match(quiet, /[▂▃▄▅▆▇█]/, quiet);
  assert.ok(lines.every((l) => l.length <= 150), 'fits the width');
  assert.ok(screen().includes('WORKERS  w0'));
  // In place: one frame on the screen, never a scrolled-up copy of an earlier one.
  assert.is(screen().split('switchyard top —').length, 2);

  tmux('send-keys', '-t', 'top', 'q');
  await waitFor('top to exit', () => existsSync(statusFile) && readFileSync(statusFile, 'utf8').endsWith('\n'));
  assert.is(readFileSync(statusFile, 'utf8').trim(), '0');
  assert.not.ok(screen().includes('switchyard top —'), 'the alternate screen is gone');
});

test.run();
