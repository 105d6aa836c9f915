/**
 * The generated schema facts turned into decoder-ready structures, built lazily per message on
 * first use and cached: fields indexed by number, referenced messages linked, and the messages
 * whose Go JSON encoding is custom marked with a `special` kind.
 */
import { FIELD_INLINE, FIELD_OMITEMPTY, FIELD_POINTER, FIELD_REPEATED, protoFields } from './proto-schema.ts';
import type { ProtoType } from './proto-schema.ts';
import { PROTO_LIST_WRAPPERS } from './proto-schema-data.ts';

/**
 * Messages with a custom Go JSON form. String literals rather than an enum: comparing interned
 * literals is as cheap as comparing numbers and needs no cross-module lookups on the hot path.
 */
export type Special =
  | 'none' | 'time' | 'microTime' | 'duration' | 'quantity' | 'intOrString' | 'rawExtension' | 'fieldsV1'
  | 'json' | 'listWrapper' | 'schemaOrArray' | 'schemaOrBool' | 'schemaOrStringArray';

/** A field ready for decoding; its referenced message is linked on first use (`refMessageOf`). */
export interface CompiledField {
  number: number;
  name: string;
  type: ProtoType;
  repeated: boolean;
  /** A present zero scalar is left out (non-pointer Go field with `omitempty`). */
  omitZero: boolean;
  inline: boolean;
  /** Message name for `message`; value message name for a `map` with message values. */
  ref?: string;
  /** Value type of a `map`. */
  mapValue?: ProtoType;
  /** `ref` compiled, filled in on first use. */
  refMessage?: CompiledMessage;
  /** Position in the message's field list (Go struct order). */
  slot: number;
}

/** A message ready for decoding. */
export interface CompiledMessage {
  name: string;
  special: Special;
  fields: CompiledField[];
  /** Field by number; sparse. */
  byNumber: (CompiledField | undefined)[];
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const APIEXT = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.';
const SPECIALS: ReadonlyMap<string, Special> = new Map([
  [`${META}Time`, 'time'],
  [`${META}MicroTime`, 'microTime'],
  [`${META}Duration`, 'duration'],
  [`${META}FieldsV1`, 'fieldsV1'],
  ['k8s.io.apimachinery.pkg.api.resource.Quantity', 'quantity'],
  ['k8s.io.apimachinery.pkg.util.intstr.IntOrString', 'intOrString'],
  ['k8s.io.apimachinery.pkg.runtime.RawExtension', 'rawExtension'],
  [`${APIEXT}JSON`, 'json'],
  [`${APIEXT}JSONSchemaPropsOrArray`, 'schemaOrArray'],
  [`${APIEXT}JSONSchemaPropsOrBool`, 'schemaOrBool'],
  [`${APIEXT}JSONSchemaPropsOrStringArray`, 'schemaOrStringArray'],
]);

const cache = new Map<string, CompiledMessage>();

/** The compiled form of a message; throws for a name the schema does not hold. */
export function messageOf(name: string): CompiledMessage {
  let msg = cache.get(name);
  if (msg === undefined) {
    msg = compile(name);
    cache.set(name, msg);
  }
  return msg;
}

/** The compiled message a `message` field or message-valued `map` field refers to. */
export function refMessageOf(f: CompiledField): CompiledMessage {
  return (f.refMessage ??= messageOf(f.ref ?? ''));
}

const SCALARS: ReadonlySet<string> = new Set([
  'string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float',
]);

function compile(name: string): CompiledMessage {
  const facts = protoFields(name);
  if (facts === undefined) throw new Error(`protobuf: no schema for message ${name}`);
  const fields: CompiledField[] = [];
  const byNumber: (CompiledField | undefined)[] = [];
  for (const [number, fieldName, type, flags, ref, mapValue] of facts) {
    const field: CompiledField = {
      number,
      name: fieldName,
      type,
      repeated: (flags & FIELD_REPEATED) !== 0,
      omitZero: (flags & FIELD_OMITEMPTY) !== 0 && (flags & FIELD_POINTER) === 0,
      inline: (flags & FIELD_INLINE) !== 0,
      slot: fields.length,
    };
    if (type === 'message') field.ref = ref;
    if (type === 'map' && mapValue !== undefined) {
      field.mapValue = SCALARS.has(mapValue) ? (mapValue as ProtoType) : 'message';
      if (field.mapValue === 'message') field.ref = mapValue;
    }
    fields.push(field);
    byNumber[number] = field;
  }
  const special = PROTO_LIST_WRAPPERS.has(name) ? 'listWrapper' : (SPECIALS.get(name) ?? 'none');
  return { name, special, fields, byNumber };
}
