import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, lowerBound, prefixEnd, rangeStart } from './keys.ts';
import { prefixRangeEnd } from './etcd/etcd-storage.ts';

test('compareKeys orders like UTF-8 bytes (Buffer.compare)', () => {
  const keys = ['/a', '/a/', '/ab', '', 'z', '\uFFFD', '\u{1F600}', '\uE000', '\u00E9', '/a\u0000'];
  const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual([...keys].sort(compareKeys), byBytes);
  assert.equal(compareKeys('x', 'x'), 0);
});

test('prefixEnd bounds exactly the keys with the prefix', () => {
  assert.equal(prefixEnd('/a/'), '/a0');
  assert.equal(prefixEnd(''), undefined);
  assert.equal(prefixEnd('/\uFFFF'), undefined);
  assert.equal(prefixEnd('/\u{1F600}'), undefined);
  const end = prefixEnd('/a/')!;
  for (const k of ['/a/', '/a/zzz', '/a/\u{1F600}']) assert.ok(compareKeys(k, end) < 0, k);
  for (const k of ['/a0', '/ab', '/b']) assert.ok(compareKeys(k, end) >= 0, k);
});

test('rangeStart and lowerBound', () => {
  assert.equal(rangeStart('/a/', undefined), '/a/');
  assert.equal(rangeStart('/a/', '/a/5'), '/a/5');
  assert.equal(rangeStart('/a/', '/'), '/a/');
  assert.equal(lowerBound(['/a', '/b', '/c'], '/b'), 1);
  assert.equal(lowerBound(['/a', '/b', '/c'], '/bb'), 2);
  assert.equal(lowerBound([], '/x'), 0);
});

test("prefixRangeEnd matches etcd's GetPrefixRangeEnd", () => {
  assert.deepEqual(prefixRangeEnd(Buffer.from('/a/')), Buffer.from('/a0'));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0xff])), Buffer.from([0]));
});
