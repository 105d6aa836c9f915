/**
 * A cursor over protobuf wire format (varints, length-delimited runs, fixed 32/64-bit values),
 * bounds-checked so that truncated or corrupt input throws instead of reading past the end.
 * 64-bit varints are read as two 32-bit halves, so no BigInt is allocated on the hot path.
 */

/** Wire types of the protobuf encoding. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** Reads protobuf wire values from `buf[pos, end)`; every read throws an Error on malformed input. */
export class WireReader {
  /** Low and high 32 bits of the last `varint64()`. */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    public end = buf.length,
  ) {}

  /** True while bytes remain before `end`. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** A varint that must fit in 32 bits unsigned (tags, lengths); longer encodings are rejected. */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = buf[this.pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (value > 0xffffffff) throw new Error('protobuf: varint overflows 32 bits');
        return value;
      }
    }
    throw new Error('protobuf: varint overflows 32 bits');
  }

  /** Any varint (up to 10 bytes), left in `lo`/`hi` as unsigned 32-bit halves. */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  /** int64 as a number (exact up to 2^53, as Kubernetes' JSON numbers are read by JavaScript clients). */
  int64(): number {
    this.varint64();
    return signed64(this.lo, this.hi);
  }

  /** uint64 as a number. */
  uint64(): number {
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  /** int32: a negative int32 is sign-extended to ten bytes on the wire; the low 32 bits are the value. */
  int32(): number {
    this.varint64();
    return this.lo | 0;
  }

  /** sint32/sint64 (zigzag). */
  sint64(): number {
    this.varint64();
    const lo = this.lo;
    const hi = this.hi;
    // zigzag: n = (v >>> 1) ^ -(v & 1), done on the two halves.
    const neg = lo & 1;
    const mlo = ((lo >>> 1) | (hi << 31)) >>> 0;
    const mhi = hi >>> 1;
    return neg ? -(mhi * TWO_32 + mlo) - 1 : mhi * TWO_32 + mlo;
  }

  bool(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** The bounds of a length-delimited run, after which the cursor is positioned. */
  delimited(): number {
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start) throw new Error('protobuf: length-delimited field runs past the end');
    this.pos = start + len;
    return start;
  }

  fixed32(): number {
    const p = this.need(4);
    const b = this.buf;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  fixed64(): void {
    this.lo = this.fixed32();
    this.hi = this.fixed32();
  }

  double(): number {
    const p = this.need(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0, true);
  }

  float(): number {
    const p = this.need(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 4).getFloat32(0, true);
  }

  /** Skips one value of the given wire type (unknown fields are ignored, as Go's decoder does). */
  skip(wireType: number, fieldNumber: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.need(8);
        return;
      case WIRE_BYTES:
        this.delimited();
        return;
      case WIRE_FIXED32:
        this.need(4);
        return;
      case WIRE_START_GROUP:
        this.skipGroup(fieldNumber);
        return;
      default:
        throw new Error(`protobuf: invalid wire type ${wireType}`);
    }
  }

  private skipGroup(fieldNumber: number): void {
    for (;;) {
      const tag = this.uint32();
      const wire = tag & 7;
      if (wire === WIRE_END_GROUP) {
        if (tag >>> 3 !== fieldNumber) throw new Error('protobuf: mismatched end group');
        return;
      }
      this.skip(wire, tag >>> 3);
    }
  }

  /** Advances over `n` bytes, returning where they start. */
  private need(n: number): number {
    const p = this.pos;
    if (n > this.end - p) throw new Error('protobuf: truncated fixed-width value');
    this.pos = p + n;
    return p;
  }
}

/** Two's-complement 64-bit value from unsigned halves. */
export function signed64(lo: number, hi: number): number {
  if (hi & 0x80000000) {
    // -(~v + 1), computed on the halves
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    return -(nhi * TWO_32 + nlo);
  }
  return hi * TWO_32 + lo;
}
