// RFC 6902 JSON Patch (`application/json-patch+json`): add, remove, replace, move, copy, test over
// JSON pointers (RFC 6901). Errors are PatchError with upstream-like messages. Pure; any thread.
import { PatchError } from './patch-error.ts';

type Json = unknown;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new PatchError('the "path" of a JSON patch operation must be a string');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`JSON pointer ${JSON.stringify(path)} must start with "/"`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index ${JSON.stringify(token)}`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length)) throw new PatchError(`array index ${i} is out of bounds (length ${length})`);
  return i;
}

/** The container holding the last token of `tokens`, and that token. */
function parentOf(doc: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function get(doc: Json, path: string): Json {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function add(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`doc is missing path: "${path}": missing value`);
  return doc;
}

function remove(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
  return doc;
}

function equal(a: Json, b: Json): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return a === b;
}

/** Applies `ops` to a copy of `doc`. Throws PatchError (the apiserver answers 422 or 400). */
export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let out = structuredClone(doc);
  for (const raw of ops) {
    if (!isObject(raw)) throw new PatchError('every JSON patch operation must be an object');
    const path = raw.path as string;
    switch (raw.op) {
      case 'add': out = add(out, path, structuredClone(raw.value)); break;
      case 'remove': out = remove(out, path); break;
      case 'replace': get(out, path); out = add(remove(out, path), path, structuredClone(raw.value)); break;
      case 'move': {
        const v = get(out, raw.from as string);
        out = add(remove(out, raw.from as string), path, v);
        break;
      }
      case 'copy': out = add(out, path, structuredClone(get(out, raw.from as string))); break;
      case 'test':
        if (!equal(get(out, path), raw.value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default: throw new PatchError(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return out;
}

export { equal as jsonEqual };
