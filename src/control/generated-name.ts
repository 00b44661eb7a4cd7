// Names for objects applied with metadata.generateName: the prefix plus five characters from the
// apiserver's alphabet (no vowels, no look-alikes), so generated names read like upstream's. Pure:
// the randomness is injected (Math.random in the server, a seeded source in tests). Main thread.

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATED_SUFFIX_LENGTH = 5;

/** `prefix` + 5 characters, each picked by `random()` (in [0, 1)). */
export function generatedName(prefix: string, random: () => number = Math.random): string {
  let s = prefix;
  for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) s += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length)];
  return s;
}
