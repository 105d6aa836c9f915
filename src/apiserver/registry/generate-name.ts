import { randomInt } from 'node:crypto';

/**
 * The alphabet Kubernetes uses for generateName suffixes: no vowels (no accidental words) and no
 * look-alike characters (apimachinery util/rand).
 */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;

/** A random 5-character suffix, appended to metadata.generateName on create. */
export function generateNameSuffix(): string {
  let out = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
