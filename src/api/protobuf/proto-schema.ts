/**
 * The shape of the protobuf schema facts generated into `proto-schema-data.ts`, and the lookup
 * from a Kubernetes apiVersion + kind to the proto message that encodes it.
 *
 * Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) is generated from the Go
 * API types by go-to-protobuf: every Go struct becomes a proto2 message of the same name, in a
 * package named after the Go import path (`k8s.io/api/core/v1` -> `k8s.io.api.core.v1`).
 */
import { PROTO_MESSAGES, PROTO_PACKAGES } from './proto-schema-data.ts';

/** Proto scalar types, plus `message` (ref names the message) and `map` (ref/mapValue name key/value). */
export type ProtoType =
  | 'string' | 'bytes' | 'bool'
  | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'double' | 'float'
  | 'message' | 'map';

/** `repeated` in the proto: the JSON value is an array. */
export const FIELD_REPEATED = 1;
/**
 * The Go field is a pointer: it is on the wire only when set, and Go's JSON encoder then writes
 * it even when it holds the zero value (`replicas: 0`).
 */
export const FIELD_POINTER = 2;
/** The Go JSON tag has `omitempty`: a zero scalar in a non-pointer field is left out of the JSON. */
export const FIELD_OMITEMPTY = 4;
/** The Go JSON tag is `,inline` (`Volume.VolumeSource`): the sub-message's keys join the parent's. */
export const FIELD_INLINE = 8;

/**
 * One field: [number, JSON name, type, FIELD_* flags, ref, mapValue].
 * `ref` is the full message name for `message`, the key type for `map`; `mapValue` is the value
 * type of a `map` (a scalar type name or a full message name).
 */
export type ProtoField = readonly [number, string, ProtoType, number, string?, string?];

/** Message name of meta/v1: its option types are registered in every group version. */
const META_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/**
 * The full proto message name for an object's apiVersion and kind, or undefined when skiff has no
 * schema for it. Like Kubernetes' scheme, the meta/v1 option types (DeleteOptions, CreateOptions,
 * ...) are found under every group version as well as under `meta.k8s.io/v1`.
 */
export function protoMessageFor(apiVersion: string, kind: string): string | undefined {
  const pkg = PROTO_PACKAGES[apiVersion];
  if (pkg === undefined || !/^[A-Z]\w*$/.test(kind)) return undefined;
  const own = `${pkg}.${kind}`;
  if (Object.hasOwn(PROTO_MESSAGES, own)) return own;
  const meta = `${META_PACKAGE}.${kind}`;
  return Object.hasOwn(PROTO_MESSAGES, meta) ? meta : undefined;
}

/** The fields of a message in Go struct order, or undefined for an unknown message. */
export function protoFields(message: string): readonly ProtoField[] | undefined {
  return Object.hasOwn(PROTO_MESSAGES, message) ? PROTO_MESSAGES[message] : undefined;
}
