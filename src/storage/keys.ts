/**
 * Key-ordering helpers shared by the backends. etcd and SQLite (BINARY collation) both order keys
 * by their UTF-8 bytes, so the in-memory backend must too: plain JS `<` compares UTF-16 code units,
 * which disagrees with byte order once astral characters (surrogate pairs) meet U+E000..U+FFFF.
 */

/** Maps a UTF-16 code unit so that unit order equals UTF-8 byte (code point) order. */
function rank(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates encode code points above U+FFFF, so they must sort after U+E000..U+FFFF.
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Compares two keys in UTF-8 byte order: negative, zero or positive like `Array.sort` wants. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * The smallest string greater than every key that starts with `prefix`, as a string usable for a
 * `key < end` range bound, or undefined when there is no upper bound (empty prefix) or the last
 * character cannot be incremented within the BMP (callers then stop at the first non-matching key).
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  // Incrementing into or past the surrogate range would not give a valid, order-preserving bound.
  if (last >= 0xd7ff) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** The first key a ranged read should look at: `startKey` when it lies past `prefix`, else `prefix`. */
export function rangeStart(prefix: string, startKey: string | undefined): string {
  return startKey !== undefined && compareKeys(startKey, prefix) > 0 ? startKey : prefix;
}

/** Index of the first element of sorted `keys` that is >= `key` (binary search). */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
