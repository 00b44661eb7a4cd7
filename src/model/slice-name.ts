// Deterministic EndpointSlice names. Upstream controllers use generateName `<owner>-` plus five
// random characters; switchyard recomputes slices from scratch on every change, so the suffix is
// derived from what identifies the slice (address family, port set, chunk) and stays put as long
// as those do. Pure; any thread.
import { createHash } from 'node:crypto';

// apimachinery's utilrand alphabet: lowercase consonants and digits, so no words and no 0/1/l/o.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
// names.SimpleNameGenerator: the base is cut so base + 5 characters stays a 63-character name.
const MAX_BASE = 58;

/** `generateName` the controllers set: `<owner>-`. */
export function slicePrefix(ownerName: string): string {
  return `${ownerName}-`;
}

function suffix(identity: string): string {
  const digest = createHash('sha256').update(identity).digest();
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHABET[digest[i] % ALPHABET.length];
  return out;
}

/**
 * `<owner>-<5 chars>` for `identity`; `taken` holds names already handed out for this owner, and
 * a (very unlikely) clash is resolved by re-hashing with a counter, so names stay unique.
 */
export function sliceName(ownerName: string, identity: string, taken: Set<string>): string {
  const base = slicePrefix(ownerName).slice(0, MAX_BASE);
  let name = base + suffix(identity);
  for (let n = 1; taken.has(name); n++) name = base + suffix(`${identity}#${n}`);
  taken.add(name);
  return name;
}
