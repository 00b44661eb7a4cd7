// Reads the admin API's bearer token from a file, for `serve --token-file` and the client verbs'
// --token-file. Refuses a file that its group or others may read or write, as ssh refuses a private
// key with such permissions: anyone who can read the token can change every Service, and anyone who
// can write it can make the server accept their own. Runs in the CLI process.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CliError } from './cli-error.ts';

/** A token is a line; a bigger file is not a token file. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

export function readTokenFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CliError('SY_TOKEN_FILE', `cannot read the token file ${path}: ${(err as Error).message}`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError('SY_TOKEN_FILE', `the token file ${path} is not a regular file`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0 && process.platform !== 'win32') {
      throw new CliError('SY_TOKEN_FILE_MODE',
        `the token file ${path} may be read or written by users other than its owner (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `anyone who can read it controls the admin API. Run: chmod 600 ${path}`);
    }
    if (st.size > MAX_TOKEN_FILE_BYTES) throw new CliError('SY_TOKEN_FILE', `the token file ${path} holds ${st.size} bytes; a token file holds one token`);
    const buf = Buffer.alloc(Math.min(st.size, MAX_TOKEN_FILE_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const token = text.trim();
  if (!token) throw new CliError('SY_TOKEN_FILE', `the token file ${path} is empty; put the admin API's bearer token in it`);
  return token;
}
