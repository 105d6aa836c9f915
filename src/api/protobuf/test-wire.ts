/**
 * A minimal protobuf wire writer for tests: builds bodies field by field so tests can exercise
 * shapes kubectl does not send (pointer zeros, negative ints, unknown fields, nested raw objects).
 * Not used by the server, which only decodes.
 */
import { Buffer } from 'node:buffer';

/** Base-128 varint of a non-negative integer, or of a negative one as its 64-bit two's complement. */
export function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Buffer.from(out);
}

/** A varint field. */
export function vfield(num: number, n: number | bigint | boolean): Buffer {
  return Buffer.concat([varint(num << 3), varint(typeof n === 'boolean' ? Number(n) : n)]);
}

/** A length-delimited field holding a string, bytes, or an already encoded message. */
export function lfield(num: number, payload: string | Buffer): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
}

/** A message field built from encoded fields. */
export function mfield(num: number, ...fields: Buffer[]): Buffer {
  return lfield(num, Buffer.concat(fields));
}

/** One entry of a proto map field (key 1, value 2). */
export function mapEntry(num: number, key: string, value: string | Buffer): Buffer {
  return mfield(num, lfield(1, key), lfield(2, value));
}

/** A whole Kubernetes protobuf body: magic, then runtime.Unknown{typeMeta, raw}. */
export function k8sBody(apiVersion: string, kind: string, ...fields: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from([0x6b, 0x38, 0x73, 0x00]),
    mfield(1, lfield(1, apiVersion), lfield(2, kind)),
    mfield(2, ...fields),
  ]);
}
