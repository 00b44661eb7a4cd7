// Drain under churn, both accept modes: every pool drain finishes, leaves no connection counted and
// lets the pool close, while connections are in every state (test/helpers/drain-stress-child.ts
// lists them), including clients that half-close and then reset while the backend streams — the
// case that left a socket that never closed (src/data/reset-socket.ts) and a drain, a worker thread
// and then the whole process that never ended. The rounds run in a child process, stopped by PID,
// because such a process cannot end by itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/drain-stress-child.ts', import.meta.url));
const ROUNDS = 3;
/** A liveness bound for all rounds together (they take a few seconds), not a timing check. */
const CHILD_LIMIT_MS = 90_000;

interface Round { round: number; drained: boolean; active: number; closed: boolean }

/** Runs the child; resolves with its rounds once it exits, reports a stuck round, or hits the limit. */
async function runRounds(mode: string): Promise<{ rounds: Round[]; exitCode: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CHILD, mode, String(ROUNDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const rounds: Round[] = [];
  let stderr = '';
  let buffered = '';
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ rounds, exitCode: null, stderr }), CHILD_LIMIT_MS);
      child.stderr.on('data', (d: Buffer) => { stderr += d; });
      child.stdout.on('data', (d: Buffer) => {
        buffered += d;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const r = JSON.parse(buffered.slice(0, nl)) as Round;
          buffered = buffered.slice(nl + 1);
          rounds.push(r);
          if (!r.drained || !r.closed) { clearTimeout(timer); resolve({ rounds, exitCode: null, stderr }); }
        }
      });
      child.on('exit', (code) => { clearTimeout(timer); resolve({ rounds, exitCode: code, stderr }); });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

for (const mode of ['transfer', 'reuseport'] as const) {
  test(`${mode}: every drain finishes under churn, with no connection left counted, and the pool closes`, async () => {
    const { rounds, exitCode, stderr } = await runRounds(mode);
    const stuck = rounds.find((r) => !r.drained || !r.closed);
    assert.not.ok(stuck, `round ${stuck?.round}: ${stuck?.drained ? 'the pool did not close' : `the drain did not finish (${stuck?.active} connections still counted)`}`);
    assert.is(rounds.length, ROUNDS, `only ${rounds.length} of ${ROUNDS} rounds reported; stderr: ${stderr.slice(-2000)}`);
    for (const r of rounds) assert.is(r.active, 0, `round ${r.round}: connections still counted after the drain`);
    assert.is(exitCode, 0, `the child did not exit cleanly; stderr: ${stderr.slice(-2000)}`);
  });
}

test.run();
