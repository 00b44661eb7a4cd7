// `labelSelector` and `fieldSelector` query parameters in their equality-based form
// (apimachinery pkg/labels and pkg/fields): `a=b,c==d,e!=f`, and for labels also `k` and `!k`.
// Set-based forms (`in`, `notin`) are refused with a clear message rather than misread. Pure.
import { badRequest } from '../model/api-error.ts';

export interface Requirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value: string;
}

/** `param` names the query parameter in error messages. Empty text selects everything. */
export function parseSelector(text: string, param: 'labelSelector' | 'fieldSelector'): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    if (/\s(in|notin)\s*\(/.test(term)) {
      throw badRequest('SY_BAD_SELECTOR', `${param}: set-based requirement ${JSON.stringify(term)} is not supported; use key=value, key!=value, key or !key`);
    }
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
    } else if (param === 'labelSelector' && /^!?[^=!\s]+$/.test(term)) {
      out.push(term.startsWith('!') ? { key: term.slice(1), op: '!exists', value: '' } : { key: term, op: 'exists', value: '' });
    } else {
      throw badRequest('SY_BAD_SELECTOR', `${param}: cannot parse ${JSON.stringify(term)}; expected key=value or key!=value`);
    }
  }
  return out;
}

/** Whether `fields` (label map, or field path → value) satisfies every requirement. */
export function selectorMatches(reqs: Requirement[], fields: Record<string, string | undefined>): boolean {
  return reqs.every((r) => {
    const v = Object.hasOwn(fields, r.key) ? fields[r.key] : undefined;
    switch (r.op) {
      case '=': return v === r.value;
      case '!=': return v !== r.value;
      case 'exists': return v !== undefined;
      case '!exists': return v === undefined;
    }
  });
}
