import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubeObject } from '../api/object.ts';
import { decodeStored, encodeForWrite, encodeStored, forgetWritten, peekObject, readWithMetadataSpan } from './stored-object.ts';

/** Metadata and data with everything a string scanner can trip over: quotes, escapes, braces, non-ASCII. */
function tricky(): KubeObject {
  return {
    data: { 'a"b': '}{][\\"\\\\', emoji: 'ü😀', nested: '{"metadata":{"x":1}}' },
    kind: 'ConfigMap',
    metadata: { name: 'cm', namespace: 'default', resourceVersion: '3', labels: { 'x"}': '\\' }, annotations: { note: '"metadata":{', 'ü': '😀' } },
    apiVersion: 'v1',
  };
}

test('a stored value is canonical, without resourceVersion, and decodes to the object at its revision', () => {
  const value = encodeStored(tricky());
  assert.ok(value.startsWith('{"apiVersion":"v1","kind":"ConfigMap","metadata":{'));
  assert.equal(JSON.parse(value).metadata.resourceVersion, undefined);
  const entry = decodeStored({ key: '/registry/core/configmaps/default/cm', value, createRevision: 5, modRevision: 9 });
  const expected = { ...tricky(), metadata: { ...tricky().metadata, resourceVersion: '9' } };
  assert.deepEqual(JSON.parse(entry.json), expected);
  assert.deepEqual(entry.object, expected);
  assert.equal(entry.bytes.toString('utf8'), entry.json);
  assert.ok(Object.isFrozen(entry.object.metadata.labels));
});

test('values written by others (any key order, empty metadata, their own resourceVersion) are re-serialized correctly', () => {
  const cases: [string, string][] = [
    ['{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}', 'a'],
    ['{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}', ''],
    ['{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"1","name":"b"}}', 'b'],
    ['{"apiVersion":"v1","kind":"ConfigMap"}', ''],
  ];
  for (const [value, name] of cases) {
    const entry = decodeStored({ key: 'k', value, createRevision: 1, modRevision: 7 });
    const parsed = JSON.parse(entry.json);
    assert.equal(parsed.metadata.resourceVersion, '7', value);
    assert.equal(parsed.metadata.name ?? '', name, value);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(entry.object)), value);
  }
});

test('the metadata span cuts exactly the metadata out of the cached text; none for text that is not canonical', () => {
  const entry = decodeStored({ key: 'k', value: encodeStored(tricky()), createRevision: 1, modRevision: 4 });
  const [start, end] = readWithMetadataSpan(entry).metadataSpan!;
  assert.deepEqual(JSON.parse(entry.bytes.toString('utf8', start, end)), entry.object.metadata);
  const foreign = decodeStored({ key: 'k', value: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}', createRevision: 1, modRevision: 2 });
  assert.equal(readWithMetadataSpan(foreign).metadataSpan, undefined);
});

test('peekObject and readWithMetadataSpan read an entry in a later turn without freezing or holding what they parse', async () => {
  const entry = decodeStored({ key: 'k', value: encodeStored(tricky()), createRevision: 1, modRevision: 5 });
  await new Promise((resolve) => setImmediate(resolve)); // the turn that parsed it is over
  const peeked = peekObject(entry);
  assert.equal(Object.isFrozen(peeked), false);
  assert.notEqual(peekObject(entry), peeked, 'not held: each read parses afresh');
  assert.deepEqual(peeked, JSON.parse(JSON.stringify(entry.object)));
  const source = readWithMetadataSpan(entry);
  assert.deepEqual(source.object, peeked);
  const [start, end] = source.metadataSpan!;
  assert.deepEqual(JSON.parse(entry.bytes.toString('utf8', start, end)), peeked.metadata, 'byte offsets, with non-ASCII text in the labels');
  // In the turn that parsed (and froze) it, the same object is shared rather than parsed again.
  const frozen = entry.object;
  assert.equal(peekObject(entry), frozen);
  assert.equal(readWithMetadataSpan(entry).object, frozen);
});

test('a value encoded for a write decodes to the handed-over object, equal to parsing the value, and frozen', () => {
  const object = tricky();
  const value = encodeForWrite(object);
  assert.equal(value, encodeStored(tricky()));
  const entry = decodeStored({ key: 'k', value, createRevision: 1, modRevision: 12 });
  const parsed = decodeStored({ key: 'k', value, createRevision: 1, modRevision: 12 });
  // The first decode took the written object's parts (no second parse), the second parsed the text.
  assert.equal(entry.object.data, object.data);
  assert.notEqual(parsed.object.data, object.data);
  assert.deepEqual(entry.object, parsed.object);
  assert.deepEqual(Object.keys(entry.object), Object.keys(parsed.object));
  assert.deepEqual(Object.keys(entry.object.metadata), Object.keys(parsed.object.metadata));
  assert.equal(entry.json, parsed.json);
  assert.ok(Object.isFrozen(entry.object.data) && Object.isFrozen(entry.object.metadata));
  // The input's own top level and metadata are not modified (the cache took copies of those).
  assert.equal(object.metadata.resourceVersion, '3');
});

test('an object that JSON would not rebuild exactly is parsed from its value, and a forgotten value is parsed too', () => {
  const inexact: unknown[] = [undefined, -0, Number.NaN, new Date(0), [1, undefined], Object.create(null)];
  for (const [i, odd] of inexact.entries()) {
    const object = { ...tricky(), data: { odd } } as unknown as ReturnType<typeof tricky>;
    const value = encodeForWrite(object);
    const entry = decodeStored({ key: 'k', value, createRevision: 1, modRevision: 2 });
    assert.notEqual(entry.object.data, object.data, `case ${i}`);
    assert.deepEqual(entry.object, JSON.parse(entry.json), `case ${i}`);
  }
  const object = tricky();
  const value = encodeForWrite(object);
  forgetWritten(value);
  const entry = decodeStored({ key: 'k', value, createRevision: 1, modRevision: 2 });
  assert.notEqual(entry.object.data, object.data);
  assert.ok(!Object.isFrozen(object.data));
});

test('a cache entry keeps its parsed object only for the current turn and parses it again, frozen, later', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const entry = decodeStored({ key: 'k', value: encodeStored(tricky()), createRevision: 1, modRevision: 6 });
  const expected = { ...tricky(), metadata: { ...tricky().metadata, resourceVersion: '6' } };
  // Only a weak reference outside the entry: if the entry held the object, it would survive the collection.
  const weak = ((): WeakRef<object> => new WeakRef(entry.object))();
  assert.equal(entry.object, entry.object, 'one parse within a turn');
  // The entry lets go of it at the end of the turn (and WeakRef targets live at least until the current job ends).
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(weak.deref(), undefined, 'the entry kept its parsed object alive');
  const again = entry.object;
  assert.deepEqual(again, expected);
  assert.ok(Object.isFrozen(again.metadata.labels));
  assert.equal(entry.object, again, 'one parse within a turn');
});
