/**
 * Protobuf encoding and decoding of CRI messages from the parsed schema, with the object
 * conventions the kubelet code was written against (those of @grpc/proto-loader with
 * `keepCase: false, longs: Number, enums: String, defaults: true`): lowerCamelCase field names,
 * 64-bit integers as numbers, enums as their names, bytes as Buffers, and on decoding every
 * absent field present with its zero value (absent messages are null, as Go's nil pointers).
 * A static codec instead of a generated/reflective protobuf library: the agent loads no
 * protobufjs, which keeps its memory small (issue 4's agent memory target). The wire primitives
 * are the shared ones (src/grpc/wire-writer.ts, src/api/protobuf/wire-reader.ts).
 */
import { Buffer } from 'node:buffer';
import { WireReader, WIRE_BYTES, WIRE_VARINT } from '../../api/protobuf/wire-reader.ts';
import { WireWriter } from '../../grpc/wire-writer.ts';
import type { ProtoFieldDef, ProtoSchema } from './proto-schema.ts';

/** A CRI message codec over one parsed schema. */
export class ProtoCodec {
  constructor(private readonly schema: ProtoSchema) {}

  /** Encodes `value` (lowerCamelCase keys; unknown keys ignored) as message `type`. */
  encode(type: string, value: object): Buffer {
    const w = new WireWriter();
    this.writeMessage(w, type, value as Record<string, unknown>);
    return w.finish();
  }

  /** Decodes message `type`; unknown fields are skipped, as every protobuf decoder does. Throws on malformed input. */
  decode(type: string, data: Uint8Array): Record<string, unknown> {
    return this.readMessage(new WireReader(data), type, 0);
  }

  private fields(type: string): ProtoFieldDef[] {
    const fields = this.schema.messages.get(type);
    if (!fields) throw new Error(`proto: unknown message ${type}`);
    return fields;
  }

  private writeMessage(w: WireWriter, type: string, value: Record<string, unknown>): void {
    for (const f of this.fields(type)) {
      const v = value[f.jsName];
      if (v === undefined || v === null) continue;
      if (f.kind === 'map') {
        for (const [key, val] of Object.entries(v as Record<string, unknown>)) {
          w.tag(f.number, WIRE_BYTES);
          const start = w.begin();
          w.tag(1, WIRE_BYTES);
          w.bytes(Buffer.from(key, 'utf8'));
          w.tag(2, WIRE_BYTES);
          w.bytes(Buffer.from(String(val), 'utf8'));
          w.end(start);
        }
      } else if (f.repeated) {
        const list = v as unknown[];
        if (list.length === 0) continue;
        if (f.kind === 'message' || f.type === 'string' || f.type === 'bytes') {
          for (const item of list) this.writeOne(w, f, item, true);
        } else {
          // proto3 packs repeated numeric fields.
          w.tag(f.number, WIRE_BYTES);
          const start = w.begin();
          for (const item of list) w.varint(this.number(f, item));
          w.end(start);
        }
      } else {
        this.writeOne(w, f, v, false);
      }
    }
  }

  /** One value; zero scalars of singular fields are left out, as proto3 encoders do. */
  private writeOne(w: WireWriter, f: ProtoFieldDef, v: unknown, always: boolean): void {
    if (f.kind === 'message') {
      w.tag(f.number, WIRE_BYTES);
      const start = w.begin();
      this.writeMessage(w, f.type, v as Record<string, unknown>);
      w.end(start);
      return;
    }
    if (f.type === 'string' || f.type === 'bytes') {
      const data = typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array);
      if (data.length === 0 && !always) return;
      w.tag(f.number, WIRE_BYTES);
      w.bytes(data);
      return;
    }
    const n = this.number(f, v);
    if (n === 0 && !always) return;
    w.tag(f.number, WIRE_VARINT);
    w.varint(n);
  }

  private number(f: ProtoFieldDef, v: unknown): number {
    if (f.kind === 'enum') {
      if (typeof v === 'number') return v;
      const n = this.schema.enums.get(f.type)!.numbers.get(String(v));
      if (n === undefined) throw new Error(`proto: ${String(v)} is not a value of enum ${f.type}`);
      return n;
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new Error(`proto: field ${f.name} needs an integer, not ${String(v)}`);
    if (f.type === 'int32' && (n < -0x80000000 || n > 0x7fffffff)) throw new Error(`proto: field ${f.name} overflows int32`);
    if ((f.type === 'uint32' || f.type === 'uint64') && n < 0) throw new Error(`proto: field ${f.name} must not be negative`);
    return n;
  }

  private readMessage(r: WireReader, type: string, depth: number): Record<string, unknown> {
    if (depth > 32) throw new Error('proto: messages nested too deep');
    const fields = this.fields(type);
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f.jsName] = this.zero(f);
    while (r.more()) {
      const tag = r.uint32();
      const number = tag >>> 3;
      const wire = tag & 7;
      const f = fields.find((x) => x.number === number);
      if (!f) {
        r.skip(wire, number);
        continue;
      }
      if (f.kind === 'map') {
        const start = r.delimited();
        const [key, val] = this.readMapEntry(new WireReader(r.buf, start, r.pos));
        (out[f.jsName] as Record<string, string>)[key] = val;
      } else if (f.repeated && wire === WIRE_BYTES && f.kind !== 'message' && f.type !== 'string' && f.type !== 'bytes') {
        // A packed run of numbers.
        const start = r.delimited();
        const packed = new WireReader(r.buf, start, r.pos);
        while (packed.more()) (out[f.jsName] as unknown[]).push(this.readScalar(packed, f, depth));
      } else {
        const expected = f.kind === 'message' || f.type === 'string' || f.type === 'bytes' ? WIRE_BYTES : WIRE_VARINT;
        if (wire !== expected) throw new Error(`proto: field ${type}.${f.name} has wire type ${wire}`);
        const value = this.readScalar(r, f, depth);
        if (f.repeated) (out[f.jsName] as unknown[]).push(value);
        else out[f.jsName] = value;
      }
    }
    return out;
  }

  private readScalar(r: WireReader, f: ProtoFieldDef, depth: number): unknown {
    if (f.kind === 'message') {
      const start = r.delimited();
      return this.readMessage(new WireReader(r.buf, start, r.pos), f.type, depth + 1);
    }
    if (f.kind === 'enum') {
      const n = r.int32();
      return this.schema.enums.get(f.type)!.names.get(n) ?? n;
    }
    switch (f.type) {
      case 'string': {
        const start = r.delimited();
        return Buffer.from(r.buf.buffer, r.buf.byteOffset + start, r.pos - start).toString('utf8');
      }
      case 'bytes': {
        const start = r.delimited();
        return Buffer.from(r.buf.subarray(start, r.pos));
      }
      case 'bool':
        return r.bool();
      case 'int32':
        return r.int32();
      case 'uint32':
        r.varint64();
        return r.lo;
      case 'int64':
        return r.int64();
      default:
        return r.uint64();
    }
  }

  private readMapEntry(r: WireReader): [string, string] {
    let key = '';
    let value = '';
    while (r.more()) {
      const tag = r.uint32();
      if ((tag & 7) !== WIRE_BYTES) {
        r.skip(tag & 7, tag >>> 3);
        continue;
      }
      const start = r.delimited();
      const text = Buffer.from(r.buf.buffer, r.buf.byteOffset + start, r.pos - start).toString('utf8');
      if (tag >>> 3 === 1) key = text;
      else if (tag >>> 3 === 2) value = text;
    }
    return [key, value];
  }

  private zero(f: ProtoFieldDef): unknown {
    if (f.kind === 'map') return {};
    if (f.repeated) return [];
    if (f.kind === 'message') return null;
    if (f.kind === 'enum') return this.schema.enums.get(f.type)!.names.get(0) ?? 0;
    switch (f.type) {
      case 'string':
        return '';
      case 'bytes':
        return Buffer.alloc(0);
      case 'bool':
        return false;
      default:
        return 0;
    }
  }
}
