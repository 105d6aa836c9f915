import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { WireReader, signed64 } from './wire-reader.ts';
import { varint } from './test-wire.ts';

const read = (bytes: Buffer): WireReader => new WireReader(bytes);

test('varints round-trip through every integer reader', () => {
  for (const n of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 53 - 1]) {
    assert.equal(read(varint(n)).int64(), n);
    assert.equal(read(varint(n)).uint64(), n);
  }
  for (const n of [-1, -2, -300, -(2 ** 31), -(2 ** 40)]) assert.equal(read(varint(n)).int64(), n);
  assert.equal(read(varint(-5)).int32(), -5);
  assert.equal(read(varint(2 ** 32 + 7)).int32(), 7);
  assert.equal(read(varint(300)).uint32(), 300);
  assert.equal(read(varint(0)).bool(), false);
  assert.equal(read(varint(2)).bool(), true);
});

test('sint64 decodes zigzag', () => {
  const zigzag: Array<[number, number]> = [[0, 0], [1, -1], [2, 1], [3, -2], [4294967294, 2147483647], [4294967295, -2147483648], [2 ** 41 + 1, -(2 ** 40) - 1]];
  for (const [wire, value] of zigzag) assert.equal(read(varint(wire)).sint64(), value);
});

test('fixed-width values are little-endian', () => {
  const r = read(Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]));
  assert.equal(r.fixed32(), 1);
  assert.equal(r.fixed32(), 0xffffffff);
  assert.equal(r.double(), 1.5);
  assert.equal(signed64(0xffffffff, 0xffffffff), -1);
});

test('truncated and oversized input throws', () => {
  assert.throws(() => read(Buffer.from([0x80])).uint32(), /truncated/);
  assert.throws(() => read(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])).uint32(), /32 bits/);
  assert.throws(() => read(Buffer.from([5, 1, 2])).delimited(), /past the end/);
  assert.throws(() => read(Buffer.from([1, 2, 3])).fixed32(), /truncated/);
  assert.throws(() => read(Buffer.alloc(11, 0xff)).int64(), /10 bytes/);
  assert.throws(() => read(Buffer.from([0])).skip(7, 1), /wire type/);
});

test('skip passes over each wire type, including groups', () => {
  // group for field 1: start(0x0b), varint field 2 (0x10 0x01), end(0x0c); then a trailing byte.
  const r = read(Buffer.from([0x0b, 0x10, 0x01, 0x0c, 0x2a]));
  r.skip(r.uint32() & 7, 1);
  assert.equal(r.pos, 4);
  const bad = read(Buffer.from([0x0b, 0x14]));
  bad.uint32();
  assert.throws(() => bad.skip(3, 1), /end group/);
});
