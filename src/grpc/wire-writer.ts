/**
 * The protobuf wire writer shared by every hand-written or schema-driven encoder in skiff (the
 * etcd Txn codec, the CRI codec, gRPC health probes); its reading counterpart is
 * src/api/protobuf/wire-reader.ts. A length-delimited value is written in place: `begin` reserves
 * its length prefix, `end` fills it in, so nested messages cost no extra buffers.
 */
import { Buffer } from 'node:buffer';
import { WIRE_BYTES, WIRE_VARINT } from '../api/protobuf/wire-reader.ts';

const TWO_32 = 4294967296;

/** Bytes of the varint encoding of a non-negative length below 2^35. */
function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** An append-only buffer holding one encoded message. */
export class WireWriter {
  private buf: Buffer;
  /** Bytes written so far. */
  len = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** A varint of an integer below 2^53; a negative one as ten two's-complement bytes (int32/int64 on the wire). */
  varint(value: number): void {
    this.room(10);
    const buf = this.buf;
    if (value < 0) {
      let lo = value % TWO_32 >>> 0;
      let hi = Math.floor(value / TWO_32) >>> 0;
      for (let i = 0; i < 9; i++) {
        buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      buf[this.len++] = lo & 0x01;
      return;
    }
    let v = value;
    while (v >= 0x80) {
      buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.len++] = v;
  }

  /** A field key: field number and wire type. */
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A length-prefixed run of bytes (the value of a string/bytes field, after its tag). */
  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.room(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A varint field (tag and value). */
  varintField(field: number, value: number): void {
    this.varint(field * 8 + WIRE_VARINT);
    this.varint(value);
  }

  /** A string/bytes field (tag, length and data). */
  bytesField(field: number, data: Uint8Array): void {
    this.varint(field * 8 + WIRE_BYTES);
    this.bytes(data);
  }

  /**
   * Starts a length-delimited value (after its tag: a nested message, a packed run, a map entry)
   * and returns the mark `end` takes. `expectedLength` sizes the reserved length prefix: when the
   * body turns out longer the body moves right once, so callers that know a bound (a message
   * carrying one large value) pass it and nothing moves. Marks nest like parentheses.
   */
  begin(expectedLength = 0): number {
    const reserved = varintSize(expectedLength);
    this.room(reserved);
    const at = this.len;
    // The reserved size is kept in the first reserved byte until `end` overwrites it.
    this.buf[at] = reserved;
    this.len += reserved;
    return at;
  }

  /** Ends the value started at `mark`, writing its length into the reserved prefix. */
  end(mark: number): void {
    const reserved = this.buf[mark]!;
    const start = mark + reserved;
    let size = this.len - start;
    const needed = varintSize(size);
    if (needed > reserved) {
      this.room(needed - reserved);
      this.buf.copyWithin(mark + needed, start, this.len);
      this.len += needed - reserved;
    }
    // A prefix longer than needed is written padded (5 as 0x85 0x80 0x00): every protobuf parser
    // accepts over-long varints (Go's protowire does; etcd's conformance tests cover it).
    const width = Math.max(needed, reserved);
    for (let i = 0; i < width - 1; i++) {
      this.buf[mark + i] = (size & 0x7f) | 0x80;
      size = Math.floor(size / 0x80);
    }
    this.buf[mark + width - 1] = size;
  }

  /** The encoded message (a view of the writer's buffer; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
