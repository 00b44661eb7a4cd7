// Manifest text → plain objects: multi-document YAML (JSON is read as YAML, a JSON stream of
// several objects is accepted too), `kind: List` expanded into its items, empty documents
// dropped. A syntax error throws a 400 ApiError naming the source and line. Pure; main thread.
import { LineCounter, parseAllDocuments } from 'yaml';
import { ApiError } from '../model/api-error.ts';
import { isStackOverflow, MAX_NESTING, nestsDeeperThan } from '../model/nesting-depth.ts';


function syntaxError(source: string, line: number | undefined, msg: string): ApiError {
  const where = line === undefined ? '' : `line ${line}: `;
  return new ApiError(400, 'BadRequest', 'SY_MANIFEST_SYNTAX', `error parsing ${source}: ${where}${msg}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expandLists(doc: unknown, source: string, out: unknown[]): void {
  if (doc === null || doc === undefined) return;
  if (isObject(doc) && doc.kind === 'List') {
    const items = doc.items ?? [];
    if (!Array.isArray(items)) throw syntaxError(source, undefined, 'the items of a kind List must be a list');
    for (const item of items) expandLists(item, source, out);
    return;
  }
  out.push(doc);
}

/** `{…}{…}` or `{…}\n{…}`: kubectl accepts a stream of JSON objects; YAML would not. */
function parseJsonStream(text: string): unknown[] | undefined {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') { if (depth++ === 0) start = i; }
    else if (c === '}' || c === ']') {
      if (--depth === 0) {
        try { docs.push(JSON.parse(text.slice(start, i + 1))); } catch { return undefined; }
      }
      if (depth < 0) return undefined;
    } else if (depth === 0 && !/\s/.test(c)) return undefined;
  }
  return depth === 0 ? docs : undefined;
}

function tooDeep(source: string): ApiError {
  return syntaxError(source, undefined, `a document nests deeper than ${MAX_NESTING} levels, which no Kubernetes object does; check the file is the manifest you meant`);
}

export function parseManifests(text: string, source: string): unknown[] {
  try {
    const docs = parseDocuments(text, source);
    for (const d of docs) if (nestsDeeperThan(d)) throw tooDeep(source);
    return docs;
  } catch (err) {
    // The YAML parser recurses per nesting level: a deep enough text exhausts the stack first.
    if (isStackOverflow(err)) throw tooDeep(source);
    throw err;
  }
}

function parseDocuments(text: string, source: string): unknown[] {
  const out: unknown[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const docs = parseJsonStream(trimmed);
    if (docs) {
      for (const d of docs) expandLists(d, source, out);
      return out;
    }
    // Malformed JSON: fall through so the YAML parser reports it with a line number.
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      if (isStackOverflow(err)) throw err;
      const line = lineCounter.linePos(err.pos[0]).line;
      throw syntaxError(source, line, err.message.split('\n')[0]);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      if (isStackOverflow(e)) throw e;
      throw syntaxError(source, undefined, (e as Error).message);
    }
    expandLists(value, source, out);
  }
  return out;
}
