/**
 * Protobuf encoding of the three guarded write transactions EtcdStorage sends (create, update,
 * delete: etcdserverpb.TxnRequest) and decoding of the parts of a TxnResponse it reads. Written by
 * hand so a write costs one buffer build and one scan instead of etcd3's object conversions
 * (proto-loader objects, Long values) on both sides; field numbers from etcd's rpc.proto and
 * kv.proto (api/v3).
 */

/** Compare.result values. */
const EQUAL = 0;
const GREATER = 1;
/** Compare.target values. */
const TARGET_CREATE = 1;
const TARGET_MOD = 2;

/** A growable protobuf writer. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(n: number): void {
    this.ensure(10);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, n: number): void {
    this.tag(field, 0);
    this.varint(n);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A nested message: `body` writes its fields, the length prefix is filled in after. */
  message(field: number, body: (w: Writer) => void): void {
    this.tag(field, 2);
    // Reserve 3 bytes for the length and write it padded (e.g. 5 as 0x85 0x80 0x00) so nothing moves
    // afterwards: parsers accept over-long varints (Go's protowire does; the etcd tests cover it).
    // Messages past 2 MiB cannot be framed this way, and etcd refuses requests past 1.5 MiB anyway.
    this.ensure(3);
    const at = this.pos;
    this.pos += 3;
    body(this);
    const len = this.pos - at - 3;
    if (len >= 1 << 21) throw new Error(`etcd request too large (${len} bytes; etcd's limit is 1.5 MiB)`);
    this.buf[at] = (len & 0x7f) | 0x80;
    this.buf[at + 1] = ((len >>> 7) & 0x7f) | 0x80;
    this.buf[at + 2] = len >>> 14;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Compare { result, target, key, create_revision | mod_revision }. Zero values are sent for the oneof. */
function compare(w: Writer, key: Uint8Array, target: number, result: number, revision: number): void {
  w.message(1, (c) => {
    if (result !== EQUAL) c.int(1, result);
    c.int(2, target);
    c.bytes(3, key);
    c.int(target === TARGET_CREATE ? 5 : 6, revision);
  });
}

/** The create transaction: if create_revision(key) == 0 then put(key, value). */
export function encodeCreate(key: Uint8Array, value: Uint8Array): Buffer {
  const w = new Writer();
  compare(w, key, TARGET_CREATE, EQUAL, 0);
  w.message(2, (op) => op.message(2, (put) => {
    put.bytes(1, key);
    put.bytes(2, value);
  }));
  return w.done();
}

/** Guard shared by update and delete: the key exists (create_revision > 0) and, if given, mod_revision == expected. */
function existsGuard(w: Writer, key: Uint8Array, expectedRevision: number | undefined): void {
  compare(w, key, TARGET_CREATE, GREATER, 0);
  if (expectedRevision !== undefined) compare(w, key, TARGET_MOD, EQUAL, expectedRevision);
}

/** On failure: range(key), so the caller learns the key's current state. */
function failureRange(w: Writer, key: Uint8Array): void {
  w.message(3, (op) => op.message(1, (range) => range.bytes(1, key)));
}

/** The update transaction: if the key exists at `expectedRevision` then put, else range(key). */
export function encodeUpdate(key: Uint8Array, value: Uint8Array, expectedRevision: number): Buffer {
  const w = new Writer();
  existsGuard(w, key, expectedRevision);
  w.message(2, (op) => op.message(2, (put) => {
    put.bytes(1, key);
    put.bytes(2, value);
  }));
  failureRange(w, key);
  return w.done();
}

/** The delete transaction: if the key exists (at `expectedRevision`) then delete with prev_kv, else range(key). */
export function encodeDelete(key: Uint8Array, expectedRevision: number | undefined): Buffer {
  const w = new Writer();
  existsGuard(w, key, expectedRevision);
  w.message(2, (op) => op.message(3, (del) => {
    del.bytes(1, key);
    del.int(3, 1);
  }));
  failureRange(w, key);
  return w.done();
}

/** mvccpb.KeyValue as the store reads it. */
export interface WireKeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
}

/** What EtcdStorage reads from a TxnResponse. */
export interface TxnResult {
  revision: number;
  succeeded: boolean;
  /** The first KeyValue of the first response op: a failure's range result, or a delete's prev_kv. */
  kv?: WireKeyValue;
}

/** A protobuf reader over one buffer. */
class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated etcd response');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }

  /** Calls `field(tag, wire)` for each field; it must consume the value with varint/sub/skip. */
  fields(field: (tag: number, wire: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      field(key >>> 3, key & 7);
    }
  }

  /** A length-delimited value as a reader over it (and skips it here). */
  sub(): Reader {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('truncated etcd response');
    return new Reader(this.buf, start, start + len);
  }

  bytes(): Buffer {
    const r = this.sub();
    return this.buf.subarray(r.pos, r.end);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.sub();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function readKeyValue(r: Reader): WireKeyValue {
  const kv: WireKeyValue = { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0 };
  r.fields((tag, wire) => {
    if (tag === 1 && wire === 2) kv.key = r.bytes();
    else if (tag === 2 && wire === 0) kv.createRevision = r.varint();
    else if (tag === 3 && wire === 0) kv.modRevision = r.varint();
    else if (tag === 5 && wire === 2) kv.value = r.bytes();
    else r.skip(wire);
  });
  return kv;
}

const EMPTY = Buffer.alloc(0);

/** The first KeyValue of a RangeResponse (kvs = 2) or DeleteRangeResponse (prev_kvs = 3). */
function firstKv(r: Reader, kvsField: number): WireKeyValue | undefined {
  let found: WireKeyValue | undefined;
  r.fields((tag, wire) => {
    if (tag === kvsField && wire === 2 && !found) found = readKeyValue(r.sub());
    else r.skip(wire);
  });
  return found;
}

/** Decodes header.revision, succeeded, and the first KeyValue of the first response op. */
export function decodeTxnResponse(buf: Buffer): TxnResult {
  const result: TxnResult = { revision: 0, succeeded: false };
  let sawOp = false;
  const r = new Reader(buf);
  r.fields((tag, wire) => {
    if (tag === 1 && wire === 2) {
      const h = r.sub();
      h.fields((t, w) => {
        if (t === 3 && w === 0) result.revision = h.varint();
        else h.skip(w);
      });
    } else if (tag === 2 && wire === 0) result.succeeded = r.varint() !== 0;
    else if (tag === 3 && wire === 2 && !sawOp) {
      sawOp = true;
      const op = r.sub();
      op.fields((t, w) => {
        // ResponseOp: response_range = 1 (kvs = 2), response_delete_range = 3 (prev_kvs = 3).
        if (t === 1 && w === 2) result.kv = firstKv(op.sub(), 2);
        else if (t === 3 && w === 2) result.kv = firstKv(op.sub(), 3);
        else op.skip(w);
      });
    } else r.skip(wire);
  });
  return result;
}
