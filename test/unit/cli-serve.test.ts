// `switchyard serve`'s flags: the help shows the defaults the server uses, and an option the server
// refuses is reported with its code and the flag to fix — before anything starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../src/cli/serve.ts';
import { SERVER_DEFAULTS } from '../../src/server/server-options.ts';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    const code = await serve(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('serve --help shows the server defaults', async () => {
  const { code, out } = await capture(['--help']);
  assert.is(code, 0);
  const d = SERVER_DEFAULTS;
  for (const [flag, value] of [
    ['--admin', `${d.admin.host}:${d.admin.port}`], ['--service-cidr', d.serviceCidr], ['--node-port-range', d.nodePortRange],
    ['--lb-pool', d.lbPool], ['--accept', d.accept], ['--lb-algorithm', d.algorithm], ['--connect-timeout', d.connectTimeoutMs],
    ['--connect-attempts', d.connectAttempts], ['--idle-timeout', d.idleTimeoutMs], ['--drain-timeout', d.drainTimeoutMs],
    ['--default-probe-period', d.defaultProbe.periodSeconds], ['--eject-after', d.ejectAfterFailures],
    ['--cluster-domain', d.dns.clusterDomain], ['--dns-ttl', d.dns.ttl],
  ] as const) {
    const line = out.split('\n').find((l) => l.trimStart().startsWith(flag + ' '));
    assert.ok(line?.includes(`default ${value}`), `${flag}: ${line}`);
  }
});

test('an option the server refuses names its code and flag, and nothing is started', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sy-serve-flags-'));
  try {
    const { code, err } = await capture(['--lb-pool', '127.112.0.0/31', '--state-dir', stateDir, '--no-demo']);
    assert.is(code, 1);
    assert.match(err, /^error: SY_LB_POOL: invalid LoadBalancer address pool "127\.112\.0\.0\/31".*\(fix --lb-pool\)$/);
    assert.equal(readdirSync(stateDir), [], 'no store was created');
    const bad = await capture(['--workers', 'many', '--state-dir', stateDir]);
    assert.equal([bad.code, bad.err], [1, 'error: --workers many: expected an integer >= 1']);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
