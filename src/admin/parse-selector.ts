// `labelSelector` and `fieldSelector` query parameters (apimachinery pkg/labels and pkg/fields):
// comma-separated requirements, all of which must hold: `k=v`, `k==v`, `k!=v`, and for labels also
// `k in (a,b)`, `k notin (a,b)`, `k` (exists) and `!k` (does not exist). `!=` and `notin` also
// match objects without the key, as upstream. Pure.
import { badRequest } from '../model/api-error.ts';

export interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

/** Splits on commas outside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  out.push(text.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/** `param` names the query parameter in error messages. Empty text selects everything. */
export function parseSelector(text: string, param: 'labelSelector' | 'fieldSelector'): Requirement[] {
  const out: Requirement[] = [];
  for (const term of terms(text)) {
    const set = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (set && param === 'labelSelector') {
      out.push({ key: set[1], op: set[2] as 'in' | 'notin', values: set[3].split(',').map((v) => v.trim()).filter((v) => v !== '') });
      continue;
    }
    const m = /^([^=!\s(),]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3].trim()] });
    } else if (param === 'labelSelector' && /^!?[^=!\s(),]+$/.test(term)) {
      out.push(term.startsWith('!') ? { key: term.slice(1).trim(), op: '!exists', values: [] } : { key: term, op: 'exists', values: [] });
    } else {
      throw badRequest('SY_BAD_SELECTOR', `unable to parse requirement: ${JSON.stringify(term)} in ${param}; expected ${param === 'labelSelector' ? 'key=value, key!=value, key in (a,b), key notin (a,b), key or !key' : 'key=value or key!=value'}`);
    }
  }
  return out;
}

/** Whether `fields` (label map, or field path → value) satisfies every requirement. */
export function selectorMatches(reqs: Requirement[], fields: Record<string, string | undefined>): boolean {
  return reqs.every((r) => {
    const v = Object.hasOwn(fields, r.key) ? fields[r.key] : undefined;
    switch (r.op) {
      case '=': return v === r.values[0];
      case '!=': return v !== r.values[0];
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
      case 'exists': return v !== undefined;
      case '!exists': return v === undefined;
    }
  });
}
