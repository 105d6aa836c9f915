import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WireReader, WIRE_BYTES } from '../api/protobuf/wire-reader.ts';
import { WireWriter } from './wire-writer.ts';

/** Writes one nested message { 1: data } with `expected` as the length hint; returns the bytes. */
function nested(data: Buffer, expected?: number): Buffer {
  const w = new WireWriter(8);
  w.tag(1, WIRE_BYTES);
  const mark = w.begin(expected);
  w.bytesField(1, data);
  w.end(mark);
  return w.finish();
}

/** Reads it back: the outer length must cover exactly the inner field. */
function readNested(buf: Buffer): Buffer {
  const r = new WireReader(buf);
  assert.equal(r.uint32(), 1 << 3 | WIRE_BYTES);
  const start = r.delimited();
  assert.equal(r.pos, buf.length, 'the length prefix covers the body exactly');
  const inner = new WireReader(buf, start, r.pos);
  assert.equal(inner.uint32(), 1 << 3 | WIRE_BYTES);
  const s = inner.delimited();
  return buf.subarray(s, inner.pos);
}

test('varints: small, multi-byte, 2^53-1 and negative int64 (ten bytes)', () => {
  for (const n of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
    const w = new WireWriter(1);
    w.varint(n);
    assert.equal(new WireReader(w.finish()).uint64(), n);
  }
  for (const n of [-1, -2, -(2 ** 40)]) {
    const w = new WireWriter();
    w.varint(n);
    assert.equal(w.len, 10);
    assert.equal(new WireReader(w.finish()).int64(), n);
  }
});

test('nested values get canonical prefixes whether they fit the reserved prefix or the body had to move', () => {
  for (const size of [10, 200, 20_000, 1_000_000]) {
    const data = Buffer.alloc(size, 0x61);
    // No hint: one byte reserved, so bodies past 127 bytes move right once.
    const moved = nested(data);
    assert.deepEqual(readNested(moved), data);
    // The same bytes as a hint sized exactly.
    const sized = nested(data, size + 8);
    assert.deepEqual(sized, moved, `size ${size}`);
    assert.ok(moved.length > size && moved.length < size + 12);
  }
});

test('a hint larger than the body leaves a padded prefix that readers accept', () => {
  const data = Buffer.from('short');
  const padded = nested(data, 1_000_000);
  // 3 bytes of prefix for 7 bytes of body: 0x87 0x80 0x00.
  assert.deepEqual([...padded.subarray(1, 4)], [0x87, 0x80, 0x00]);
  assert.deepEqual(readNested(padded), data);
});

test('marks nest: inner and outer lengths are both right when the inner body moves', () => {
  const w = new WireWriter(4);
  w.tag(2, WIRE_BYTES);
  const outer = w.begin();
  w.tag(3, WIRE_BYTES);
  const inner = w.begin();
  w.bytesField(1, Buffer.alloc(500, 0x62));
  w.end(inner);
  w.varintField(4, 7);
  w.end(outer);
  const r = new WireReader(w.finish());
  assert.equal(r.uint32(), 2 << 3 | WIRE_BYTES);
  const o = r.delimited();
  assert.equal(r.more(), false);
  const or = new WireReader(r.buf, o, r.pos);
  assert.equal(or.uint32(), 3 << 3 | WIRE_BYTES);
  or.delimited();
  assert.equal(or.uint32(), 4 << 3);
  assert.equal(or.uint32(), 7);
  assert.equal(or.more(), false);
});
