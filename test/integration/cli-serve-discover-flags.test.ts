// `switchyard serve --discover docker` flag errors, as a user meets them: each exits 1 with a
// message saying what to give instead, and nothing is left running.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/switchyard-process.ts';

const state = mkdtempSync(join(tmpdir(), 'sy-discover-flags-'));
const serve = (args: string[], env?: Record<string, string>) =>
  runCli(['serve', '--state-dir', state, '--admin', '127.0.0.1:0', '--workers', '1', ...args], { env });

test('docker flags need --discover docker; only docker is a source', async () => {
  const r = await serve(['--docker-address', 'published']);
  assert.is(r.code, 1);
  assert.match(r.stderr, '--docker-address needs --discover docker');
  assert.match((await serve(['--discover', 'consul'])).stderr, '--discover consul: the only discovery source is docker');
});

test('an unknown address mode and a namespace that is no DNS label are refused', async () => {
  assert.match((await serve(['--discover', 'docker', '--docker-address', 'bridge'])).stderr, '--docker-address bridge: expected network or published');
  const ns = await serve(['--discover', 'docker', '--docker-namespace', 'Shop_NS']);
  assert.is(ns.code, 1);
  assert.match(ns.stderr, '--docker-namespace Shop_NS: a lowercase RFC 1123 label');
});

test('a DOCKER_HOST switchyard cannot use says which forms it takes', async () => {
  const r = await serve(['--discover', 'docker'], { DOCKER_HOST: 'ssh://user@host' });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'SY_DOCKER_HOST');
  assert.match(r.stderr, 'unix:///path/to/docker.sock or tcp://host:port');
});

test.after(() => rmSync(state, { recursive: true, force: true }));

test.run();
