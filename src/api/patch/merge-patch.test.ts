import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { applyMergePatch } from './merge-patch.ts';

describe('applyMergePatch (RFC 7386)', () => {
  const doc = { metadata: { name: 'cm', labels: { a: '1', b: '2' } }, data: { k: 'v' }, list: [1, 2, 3] };
  test('null deletes, objects merge, arrays replace', () => {
    const out = applyMergePatch(doc, { metadata: { labels: { a: null, c: '3' } }, list: [9], data: { k2: 'v2' } });
    assert.deepEqual(out, { metadata: { name: 'cm', labels: { b: '2', c: '3' } }, data: { k: 'v', k2: 'v2' }, list: [9] });
    assert.deepEqual(doc.metadata.labels, { a: '1', b: '2' }, 'input untouched');
  });
  test('an object replaces a scalar and nulls inside new objects are dropped', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, { a: { b: null, c: 2 } }), { a: { c: 2 } });
  });
  test('kubectl scale --type=merge style patch', () => {
    assert.deepEqual(applyMergePatch({ spec: { replicas: 1, selector: {} } }, { spec: { replicas: 5 } }), { spec: { replicas: 5, selector: {} } });
  });
  test('a non-object patch is 400', () => {
    assert.throws(() => applyMergePatch(doc, [1]), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
});
