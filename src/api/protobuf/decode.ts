/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`, what kubectl
 * and client-go's typed clients send) into the JSON object the same client would have sent as
 * `application/json`.
 *
 * The body is the 4-byte magic `k8s\0` followed by a runtime.Unknown envelope whose typeMeta names
 * the apiVersion/kind and whose `raw` is the object's message. The JSON produced follows Go's
 * encoding/json over the Kubernetes Go types, since that is what defines Kubernetes' JSON: fields
 * in struct order, a zero scalar in a non-pointer `omitempty` field left out, a pointer field kept
 * whenever it is set, structs always present, and the custom forms of Time, MicroTime, Duration,
 * Quantity, IntOrString, RawExtension, FieldsV1 and the apiextensions JSON types.
 */
import { Buffer } from 'node:buffer';
import { messageOf, refMessageOf } from './compiled-schema.ts';
import type { CompiledField, CompiledMessage, Special } from './compiled-schema.ts';
import type { ProtoType } from './proto-schema.ts';
import { protoMessageFor } from './proto-schema.ts';
import { formatDuration, formatMicroTime, formatTime } from './well-known.ts';
import { WireReader } from './wire-reader.ts';

// Wire types, as literals: read on every field, so kept out of cross-module bindings.
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** The media type of Kubernetes' protobuf encoding. */
export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Every Kubernetes protobuf payload starts with these bytes (`k8s\0`). */
const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;

/** Deeper nesting than any Kubernetes object needs; stops hostile input from exhausting the stack. */
const MAX_DEPTH = 100;

type Json = unknown;

/** True when a Content-Type header names Kubernetes' protobuf encoding (parameters ignored). */
export function isKubernetesProtobuf(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === KUBERNETES_PROTOBUF;
}

/**
 * Decodes one Kubernetes protobuf body into `{ apiVersion, kind, object }`, where `object` is the
 * JSON form with `apiVersion` and `kind` set from the envelope. Throws an Error for a missing magic
 * prefix, malformed wire data, a compressed payload, or an apiVersion/kind skiff has no schema for.
 */
export function decodeProtobufObject(body: Buffer): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  return decodeEnvelope(body, 0);
}

function decodeEnvelope(body: Buffer, depth: number): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  if (!hasMagic(body, 0, body.length)) throw new Error('protobuf: body does not start with the Kubernetes magic prefix');
  const r = new WireReader(body, MAGIC.length);
  let apiVersion = '';
  let kind = '';
  let rawStart = 0;
  let rawEnd = 0;
  while (r.more()) {
    const tag = r.uint32();
    const num = tag >>> 3;
    if (num >= 1 && num <= 4 && (tag & 7) === WIRE_BYTES) {
      const start = r.delimited();
      if (num === 1) [apiVersion, kind] = decodeTypeMeta(body, start, r.pos);
      else if (num === 2) [rawStart, rawEnd] = [start, r.pos];
      else if (num === 3 && r.pos > start) throw new Error('protobuf: content encodings are not supported');
    } else r.skip(tag & 7, num);
  }
  if (apiVersion === '' || kind === '') throw new Error('protobuf: envelope has no apiVersion/kind');
  const message = protoMessageFor(apiVersion, kind);
  if (message === undefined) throw new Error(`protobuf: no kind "${kind}" is registered for version "${apiVersion}"`);
  const decoded = decodeMessage(body, rawStart, rawEnd, messageOf(message), depth) as Record<string, unknown>;
  // Go's JSON of a top-level object starts with the inlined TypeMeta.
  const object: Record<string, unknown> = { kind, apiVersion };
  for (const key in decoded) if (key !== 'kind' && key !== 'apiVersion') object[key] = decoded[key];
  return { apiVersion, kind, object };
}

function hasMagic(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 4 && buf[start] === MAGIC[0] && buf[start + 1] === MAGIC[1] && buf[start + 2] === MAGIC[2] && buf[start + 3] === MAGIC[3];
}

function decodeTypeMeta(buf: Buffer, start: number, end: number): [string, string] {
  const r = new WireReader(buf, start, end);
  let apiVersion = '';
  let kind = '';
  while (r.more()) {
    const tag = r.uint32();
    if ((tag >>> 3 === 1 || tag >>> 3 === 2) && (tag & 7) === WIRE_BYTES) {
      const s = r.delimited();
      if (tag >>> 3 === 1) apiVersion = utf8(buf, s, r.pos);
      else kind = utf8(buf, s, r.pos);
    } else r.skip(tag & 7, tag >>> 3);
  }
  return [apiVersion, kind];
}

/** The JSON value of one message occupying `buf[start, end)`. */
function decodeMessage(buf: Buffer, start: number, end: number, msg: CompiledMessage, depth: number): Json {
  if (depth > MAX_DEPTH) throw new Error('protobuf: message nesting too deep');
  if (msg.special !== 'none') return decodeSpecial(buf, start, end, msg, depth);
  const values = readFields(buf, start, end, msg, depth);
  const out: Record<string, Json> = {};
  const fields = msg.fields;
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    const f = fields[i];
    if (f.omitZero && !f.repeated && (v === '' || v === 0 || v === false)) continue;
    if (f.inline && v !== null && typeof v === 'object') Object.assign(out, v);
    else out[f.name] = v;
  }
  return out;
}

/** Field values by slot: scalars and messages decoded, repeated fields as arrays, maps as objects. */
function readFields(buf: Buffer, start: number, end: number, msg: CompiledMessage, depth: number): Json[] {
  const values: Json[] = new Array(msg.fields.length);
  const r = new WireReader(buf, start, end);
  while (r.more()) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new Error('protobuf: field number 0');
    const f = msg.byNumber[num];
    if (f === undefined) {
      r.skip(wire, num);
      continue;
    }
    if (f.type === 'map') {
      const entries = (values[f.slot] ??= {}) as Record<string, Json>;
      expectWire(wire, WIRE_BYTES, f);
      const s = r.delimited();
      readMapEntry(buf, s, r.pos, f, entries, depth);
    } else if (f.repeated) {
      const list = (values[f.slot] ??= []) as Json[];
      if (wire === WIRE_BYTES && isPackable(f.type)) {
        // Packed repeated scalars: accepted on input as every protobuf decoder must.
        const s = r.delimited();
        const sub = new WireReader(buf, s, r.pos);
        while (sub.more()) list.push(readValue(sub, buf, f.type, wireOf(f.type), f, depth));
      } else list.push(readValue(r, buf, f.type, wire, f, depth));
    } else values[f.slot] = readValue(r, buf, f.type, wire, f, depth);
  }
  return values;
}

function readMapEntry(buf: Buffer, start: number, end: number, f: CompiledField, into: Record<string, Json>, depth: number): void {
  const r = new WireReader(buf, start, end);
  let key = '';
  let value: Json;
  const valueType = f.mapValue ?? 'string';
  while (r.more()) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) key = String(readValue(r, buf, 'string', tag & 7, f, depth));
    else if (tag >>> 3 === 2) value = readValue(r, buf, valueType, tag & 7, f, depth);
    else r.skip(tag & 7, tag >>> 3);
  }
  // A missing value is the Go zero value, as gogo's map decoding leaves it.
  into[key] = value !== undefined ? value : zeroValue(buf, valueType, f, depth);
}

function zeroValue(buf: Buffer, type: ProtoType, f: CompiledField, depth: number): Json {
  if (type === 'message') return decodeMessage(buf, 0, 0, refMessageOf(f), depth + 1);
  if (type === 'string' || type === 'bytes') return '';
  return type === 'bool' ? false : 0;
}

/** One value of `type` at the cursor, checked against the wire type on the tag. */
function readValue(r: WireReader, buf: Buffer, type: ProtoType, wire: number, f: CompiledField, depth: number): Json {
  expectWire(wire, wireOf(type), f);
  switch (type) {
    case 'string': {
      const s = r.delimited();
      return utf8(buf, s, r.pos);
    }
    case 'bytes': {
      // []byte is base64 in Go's JSON (Secret.data, ConfigMap.binaryData).
      const s = r.delimited();
      return buf.toString('base64', s, r.pos);
    }
    case 'message': {
      const s = r.delimited();
      return decodeMessage(buf, s, r.pos, refMessageOf(f), depth + 1);
    }
    case 'bool': return r.bool();
    case 'int32': return r.int32();
    case 'int64': return r.int64();
    case 'uint32': return r.uint64() % 4294967296;
    case 'uint64': return r.uint64();
    case 'sint32': case 'sint64': return r.sint64();
    case 'fixed32': return r.fixed32();
    case 'sfixed32': return r.fixed32() | 0;
    case 'fixed64': r.fixed64(); return r.hi * 4294967296 + r.lo;
    case 'sfixed64': r.fixed64(); return signedFixed64(r.lo, r.hi);
    case 'double': return r.double();
    case 'float': return r.float();
    default: throw new Error(`protobuf: field ${f.name} has no scalar type`);
  }
}

/**
 * Most Kubernetes strings are short ASCII (names, labels, enum values); building those directly is
 * cheaper than a Buffer.toString call. Anything else goes through the real UTF-8 decoder.
 */
function utf8(buf: Buffer, start: number, end: number): string {
  if (end - start > 24) return buf.toString('utf8', start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 0x80) return buf.toString('utf8', start, end);
    out += String.fromCharCode(c);
  }
  return out;
}

function signedFixed64(lo: number, hi: number): number {
  return hi & 0x80000000 ? -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1) : hi * 4294967296 + lo;
}

function wireOf(type: ProtoType): number {
  switch (type) {
    case 'string': case 'bytes': case 'message': case 'map': return WIRE_BYTES;
    case 'fixed32': case 'sfixed32': case 'float': return WIRE_FIXED32;
    case 'fixed64': case 'sfixed64': case 'double': return WIRE_FIXED64;
    default: return WIRE_VARINT;
  }
}

function isPackable(type: ProtoType): boolean {
  return wireOf(type) !== WIRE_BYTES;
}

function expectWire(actual: number, expected: number, f: CompiledField): void {
  if (actual !== expected) throw new Error(`protobuf: field ${f.name} (${f.number}) has wire type ${actual}, want ${expected}`);
}

/** Messages whose Go type has its own MarshalJSON (see `Special`). */
function decodeSpecial(buf: Buffer, start: number, end: number, msg: CompiledMessage, depth: number): Json {
  const empty = start === end;
  switch (msg.special) {
    case 'time':
    case 'microTime': {
      // Go writes the zero time as an empty message and its JSON is null.
      if (empty) return null;
      const [seconds, nanos] = readFields(buf, start, end, msg, depth);
      const s = (seconds as number | undefined) ?? 0;
      const n = (nanos as number | undefined) ?? 0;
      return msg.special === 'time' ? formatTime(s, n) : formatMicroTime(s, n);
    }
    case 'duration':
      return formatDuration((readFields(buf, start, end, msg, depth)[0] as number | undefined) ?? 0);
    case 'quantity':
      return (readFields(buf, start, end, msg, depth)[0] as string | undefined) ?? '0';
    case 'intOrString': {
      const [type, intVal, strVal] = readFields(buf, start, end, msg, depth);
      return type === 1 ? (strVal ?? '') : (intVal ?? 0);
    }
    case 'rawExtension':
    case 'fieldsV1':
    case 'json':
      return rawJson(buf, readRawBounds(buf, start, end), msg.special === 'rawExtension', depth);
    case 'listWrapper':
      return (readFields(buf, start, end, msg, depth)[0] as Json[] | undefined) ?? [];
    default:
      return decodeSchemaUnion(decodeGeneric(buf, start, end, msg, depth), msg.special);
  }
}

function decodeGeneric(buf: Buffer, start: number, end: number, msg: CompiledMessage, depth: number): Record<string, Json> {
  const values = readFields(buf, start, end, msg, depth);
  const out: Record<string, Json> = {};
  for (const f of msg.fields) if (values[f.slot] !== undefined) out[f.name] = values[f.slot];
  return out;
}

/**
 * The apiextensions unions marshal as one of their members (marshal.go): OrArray as the array
 * when non-empty else the schema; OrBool as the schema when set else the bool; OrStringArray as
 * the strings when non-empty, else the schema, else null.
 */
function decodeSchemaUnion(v: Record<string, Json>, special: Special): Json {
  const schema = v.schema ?? null;
  if (special === 'schemaOrArray') return Array.isArray(v.jSONSchemas) && v.jSONSchemas.length > 0 ? v.jSONSchemas : schema;
  if (special === 'schemaOrBool') return v.schema !== undefined ? schema : v.allows === true;
  return Array.isArray(v.property) && v.property.length > 0 ? v.property : schema;
}

/** Bounds of field 1 (`raw`/`Raw`) of RawExtension, FieldsV1 or apiextensions JSON. */
function readRawBounds(buf: Buffer, start: number, end: number): [number, number] {
  const r = new WireReader(buf, start, end);
  let bounds: [number, number] = [0, 0];
  while (r.more()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_BYTES)) {
      const s = r.delimited();
      bounds = [s, r.pos];
    } else r.skip(tag & 7, tag >>> 3);
  }
  return bounds;
}

/** Embedded raw bytes: empty is null (Go's MarshalJSON), nested protobuf is decoded, else JSON. */
function rawJson(buf: Buffer, [start, end]: [number, number], allowProtobuf: boolean, depth: number): Json {
  if (start === end) return null;
  if (allowProtobuf && hasMagic(buf, start, end)) return decodeEnvelope(buf.subarray(start, end), depth + 1).object;
  try {
    return JSON.parse(buf.toString('utf8', start, end));
  } catch {
    throw new Error('protobuf: embedded raw object is neither JSON nor Kubernetes protobuf');
  }
}
