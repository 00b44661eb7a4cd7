// `-f` paths → manifest texts: files as given, directories walked recursively for .yaml/.yml/.json
// in sorted order (as kubectl does), `-` read from stdin. The only I/O in src/config; main thread.
// Every source is read up to MAX_MANIFEST_BYTES and no further: `apply -f /dev/zero` or a stray
// 100 MB file used to be read whole (gigabytes of memory, tens of seconds) before failing.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../model/api-error.ts';

export const PATH_NOT_FOUND = 'SY_PATH_NOT_FOUND';
export const PATH_UNREADABLE = 'SY_PATH_UNREADABLE';
export const MANIFEST_TOO_LARGE = 'SY_MANIFEST_TOO_LARGE';
/** The most read from one manifest file or from stdin (a request body to the API is capped at 1 MiB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const CHUNK = 64 * 1024;

function tooLarge(source: string, size?: number): ApiError {
  const what = size === undefined ? `more than ${MAX_MANIFEST_BYTES} bytes` : `${size} bytes`;
  return new ApiError(400, 'BadRequest', MANIFEST_TOO_LARGE,
    `${source} holds ${what}; switchyard reads at most ${MAX_MANIFEST_BYTES} bytes (16 MiB) from one manifest file or from stdin. ` +
    'Split the manifests into several files (a directory works), or check that the path is the one you meant');
}

/** Reads a stream (stdin) to text, refusing it once it passes `limit` bytes. */
export async function readBoundedStream(stream: AsyncIterable<Buffer | string>, source: string, limit = MAX_MANIFEST_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) throw tooLarge(source);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Reads a file to text: one stat refuses a regular file over the limit at once; anything else
 *  (a device, a FIFO) is read only up to the limit. */
async function readBoundedFile(path: string, limit = MAX_MANIFEST_BYTES): Promise<string> {
  const fh = await open(path, 'r').catch((err) => { throw pathError(path, err); });
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size > limit) throw tooLarge(path, st.size);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > limit) throw tooLarge(path);
      chunks.push(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** What went wrong with a path, in words: a symlink loop is not "does not exist". */
function pathError(path: string, err: unknown): ApiError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ApiError(400, 'BadRequest', PATH_NOT_FOUND, `the path "${path}" does not exist`);
  const why = code === 'ELOOP' ? 'it is a loop of symbolic links (a link that leads back to itself); fix or remove the link'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied; check the permissions of the file and of the directories above it'
    : code === 'ENOTDIR' ? 'a part of the path that should be a directory is a file'
    : code === 'ENAMETOOLONG' ? 'the path is too long'
    : `${(err as Error).message}`;
  return new ApiError(400, 'BadRequest', PATH_UNREADABLE, `cannot read the path "${path}": ${why}`);
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err) => { throw pathError(dir, err); });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (MANIFEST_EXT.test(e.name) && (e.isFile() || (await stat(p).catch((err) => { throw pathError(p, err); })).isFile())) out.push(p);
  }
}

export async function readManifestPaths(
  paths: string[],
  readStdin: () => Promise<string> = () => readBoundedStream(process.stdin, 'STDIN'),
): Promise<{ source: string; text: string }[]> {
  const out: { source: string; text: string }[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push({ source: 'STDIN', text: await readStdin() });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      throw pathError(path, err);
    }
    const files: string[] = [];
    if (isDir) await walk(path, files);
    else files.push(path);
    for (const f of files) out.push({ source: f, text: await readBoundedFile(f) });
  }
  return out;
}
