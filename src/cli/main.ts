// Entry point of the `switchyard` command (bin/switchyard.js imports this file; `node
// src/cli/main.ts …` runs it directly). Runs the command line and sets the exit code without
// forcing an exit, so piped stdout is flushed completely.
import { readBoundedStream } from '../config/read-manifest-paths.ts';
import { runCli } from './run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (s) => { process.stdout.write(s); },
  err: (s) => { process.stderr.write(s); },
  env: process.env,
  readStdin: () => readBoundedStream(process.stdin, 'STDIN'),
});
