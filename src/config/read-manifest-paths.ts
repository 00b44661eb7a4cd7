// `-f` paths → manifest texts: files as given, directories walked recursively for .yaml/.yml/.json
// in sorted order (as kubectl does), `-` read from stdin. The only I/O in src/config; main thread.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../model/api-error.ts';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (MANIFEST_EXT.test(e.name) && (e.isFile() || (await stat(p)).isFile())) out.push(p);
  }
}

export async function readManifestPaths(
  paths: string[],
  readStdin: () => Promise<string> = readAllStdin,
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
    } catch {
      throw new ApiError(400, 'BadRequest', 'SY_PATH_NOT_FOUND', `the path "${path}" does not exist`);
    }
    const files: string[] = [];
    if (isDir) await walk(path, files);
    else files.push(path);
    for (const f of files) out.push({ source: f, text: await readFile(f, 'utf8') });
  }
  return out;
}
