import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * Any Kubernetes object as it travels over the wire: plain JSON with apiVersion, kind and metadata.
 * Typed models from `@kubernetes/client-node` describe the known kinds; the server handles objects
 * generically through this shape.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** ObjectMeta as JSON: timestamps are RFC 3339 strings on the wire, not Dates. */
export type ObjectMeta = Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp' | 'managedFields'> & {
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
};

/** One field manager's claim on a set of fields, as server-side apply records it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** A list as returned by the list verb. */
export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** Deep copy of a JSON value; cached objects are never mutated, so writers copy first. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** The timestamp of the current second, reused: every write stamps one or two, and formatting a Date is not free. */
let lastSecond = NaN;
let lastTimestamp = '';

/** RFC 3339 timestamp at second precision, as Kubernetes writes metav1.Time; now when no date is given. */
export function nowTimestamp(date?: Date): string {
  if (date) return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) {
    lastTimestamp = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastTimestamp;
}

/** Structural equality of two JSON values (key order ignored), as apimachinery's semantic DeepEqual for JSON. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jsonEqual(item, other[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
