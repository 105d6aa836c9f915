/**
 * Protobuf encoding of the three guarded write transactions EtcdStorage sends (create, update,
 * delete: etcdserverpb.TxnRequest) and decoding of the parts of a TxnResponse it reads. Written by
 * hand so a write costs one buffer build and one scan instead of etcd3's object conversions
 * (proto-loader objects, Long values) on both sides; field numbers from etcd's rpc.proto and
 * kv.proto (api/v3). The wire primitives are the shared ones: src/grpc/wire-writer.ts and
 * src/api/protobuf/wire-reader.ts.
 */
import { Buffer } from 'node:buffer';
import { WireReader, WIRE_BYTES, WIRE_VARINT } from '../../api/protobuf/wire-reader.ts';
import { WireWriter } from '../../grpc/wire-writer.ts';

/** Compare.result values. */
const EQUAL = 0;
const GREATER = 1;
/** Compare.target values. */
const TARGET_CREATE = 1;
const TARGET_MOD = 2;

/** Compare { result, target, key, create_revision | mod_revision }. Zero values are sent for the oneof. */
function compare(w: WireWriter, key: Uint8Array, target: number, result: number, revision: number): void {
  w.tag(1, WIRE_BYTES);
  const c = w.begin(key.length + 24);
  if (result !== EQUAL) w.varintField(1, result);
  w.varintField(2, target);
  w.bytesField(3, key);
  w.varintField(target === TARGET_CREATE ? 5 : 6, revision);
  w.end(c);
}

/** RequestOp `field` (success = 2) holding request_put { key, value }. */
function put(w: WireWriter, field: number, key: Uint8Array, value: Uint8Array): void {
  // The length bound is passed so the prefixes are sized up front and a large value is never moved.
  const bound = key.length + value.length + 16;
  w.tag(field, WIRE_BYTES);
  const op = w.begin(bound);
  w.tag(2, WIRE_BYTES);
  const req = w.begin(bound);
  w.bytesField(1, key);
  w.bytesField(2, value);
  w.end(req);
  w.end(op);
}

/** The create transaction: if create_revision(key) == 0 then put(key, value). */
export function encodeCreate(key: Uint8Array, value: Uint8Array): Buffer {
  const w = new WireWriter();
  compare(w, key, TARGET_CREATE, EQUAL, 0);
  put(w, 2, key, value);
  return w.finish();
}

/** Guard shared by update and delete: the key exists (create_revision > 0) and, if given, mod_revision == expected. */
function existsGuard(w: WireWriter, key: Uint8Array, expectedRevision: number | undefined): void {
  compare(w, key, TARGET_CREATE, GREATER, 0);
  if (expectedRevision !== undefined) compare(w, key, TARGET_MOD, EQUAL, expectedRevision);
}

/** On failure (RequestOp field 3): request_range { key }, so the caller learns the key's current state. */
function failureRange(w: WireWriter, key: Uint8Array): void {
  w.tag(3, WIRE_BYTES);
  const op = w.begin(key.length + 8);
  w.tag(1, WIRE_BYTES);
  const range = w.begin(key.length + 4);
  w.bytesField(1, key);
  w.end(range);
  w.end(op);
}

/** The update transaction: if the key exists at `expectedRevision` then put, else range(key). */
export function encodeUpdate(key: Uint8Array, value: Uint8Array, expectedRevision: number): Buffer {
  const w = new WireWriter();
  existsGuard(w, key, expectedRevision);
  put(w, 2, key, value);
  failureRange(w, key);
  return w.finish();
}

/** The delete transaction: if the key exists (at `expectedRevision`) then delete with prev_kv, else range(key). */
export function encodeDelete(key: Uint8Array, expectedRevision: number | undefined): Buffer {
  const w = new WireWriter();
  existsGuard(w, key, expectedRevision);
  w.tag(2, WIRE_BYTES);
  const op = w.begin(key.length + 8);
  w.tag(3, WIRE_BYTES);
  const del = w.begin(key.length + 4);
  w.bytesField(1, key);
  w.varintField(3, 1);
  w.end(del);
  w.end(op);
  failureRange(w, key);
  return w.finish();
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

/** The length-delimited value at the cursor, as a reader of its own (the cursor moves past it). */
function sub(r: WireReader): WireReader {
  const start = r.delimited();
  return new WireReader(r.buf, start, r.pos);
}

/** The length-delimited value at the cursor as a Buffer view (no copy). */
function bytes(r: WireReader): Buffer {
  const start = r.delimited();
  return Buffer.from(r.buf.buffer, r.buf.byteOffset + start, r.pos - start);
}

function readKeyValue(r: WireReader): WireKeyValue {
  const kv: WireKeyValue = { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0 };
  while (r.more()) {
    const tag = r.uint32();
    if (tag === (1 << 3 | WIRE_BYTES)) kv.key = bytes(r);
    else if (tag === (2 << 3 | WIRE_VARINT)) kv.createRevision = r.int64();
    else if (tag === (3 << 3 | WIRE_VARINT)) kv.modRevision = r.int64();
    else if (tag === (5 << 3 | WIRE_BYTES)) kv.value = bytes(r);
    else r.skip(tag & 7, tag >>> 3);
  }
  return kv;
}

const EMPTY = Buffer.alloc(0);

/** The first KeyValue of a RangeResponse (kvs = 2) or DeleteRangeResponse (prev_kvs = 3). */
function firstKv(r: WireReader, kvsField: number): WireKeyValue | undefined {
  let found: WireKeyValue | undefined;
  while (r.more()) {
    const tag = r.uint32();
    if (tag === (kvsField << 3 | WIRE_BYTES) && !found) found = readKeyValue(sub(r));
    else r.skip(tag & 7, tag >>> 3);
  }
  return found;
}

/**
 * Decodes header.revision, succeeded, and the first KeyValue of the first response op. Throws on
 * truncated or corrupt input.
 */
export function decodeTxnResponse(buf: Buffer): TxnResult {
  try {
    return readTxnResponse(new WireReader(buf));
  } catch (err) {
    throw new Error(`malformed etcd TxnResponse (truncated or corrupt): ${(err as Error).message}`);
  }
}

function readTxnResponse(r: WireReader): TxnResult {
  const result: TxnResult = { revision: 0, succeeded: false };
  let sawOp = false;
  while (r.more()) {
    const tag = r.uint32();
    if (tag === (1 << 3 | WIRE_BYTES)) {
      // ResponseHeader: revision = 3.
      const h = sub(r);
      while (h.more()) {
        const t = h.uint32();
        if (t === (3 << 3 | WIRE_VARINT)) result.revision = h.int64();
        else h.skip(t & 7, t >>> 3);
      }
    } else if (tag === (2 << 3 | WIRE_VARINT)) result.succeeded = r.bool();
    else if (tag === (3 << 3 | WIRE_BYTES) && !sawOp) {
      sawOp = true;
      const op = sub(r);
      while (op.more()) {
        const t = op.uint32();
        // ResponseOp: response_range = 1 (kvs = 2), response_delete_range = 3 (prev_kvs = 3).
        if (t === (1 << 3 | WIRE_BYTES)) result.kv = firstKv(sub(op), 2);
        else if (t === (3 << 3 | WIRE_BYTES)) result.kv = firstKv(sub(op), 3);
        else op.skip(t & 7, t >>> 3);
      }
    } else r.skip(tag & 7, tag >>> 3);
  }
  return result;
}
