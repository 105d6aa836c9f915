/**
 * Field errors as k8s.io/apimachinery/pkg/util/validation/field builds them, rendered straight into
 * `StatusCause`s: `reason` is the cause type (FieldValueInvalid, ...), `message` is the error body
 * (`Invalid value: "Foo": detail`), `field` the path (`spec.containers[0].image`).
 */
import type { StatusCause } from '../errors.ts';

/** A value printed verbatim in a message, standing in for Go's `%#v` of a struct. */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** Field paths: `child('spec', 'containers')`, `index(p, 0)`, `key(p, 'name')`. */
export function child(path: string, ...names: string[]): string {
  return [path, ...names].filter(Boolean).join('.');
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** Go's %q for a string: JSON escaping matches for the printable range users send. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** Renders a bad value the way field.Error.ErrorBody does for the common Go types. */
export function formatValue(value: unknown): string {
  if (value instanceof GoLiteral) return value.text;
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => quote(v as string)).join(', ')}}`;
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([, v]) => typeof v === 'string')) return goStringMap(value as Record<string, string>);
    return JSON.stringify(value);
  }
  return String(value);
}

/** `map[string]string{"a":"b", "c":"d"}`, keys sorted as fmt prints maps. */
export function goStringMap(map: Record<string, string> | undefined): string {
  if (!map) return 'map[string]string(nil)';
  const keys = Object.keys(map).sort();
  return `map[string]string{${keys.map((k) => `${quote(k)}:${quote(map[k])}`).join(', ')}}`;
}

/** The %#v of a metav1.LabelSelector, as the famous "field is immutable" selector message prints it. */
export function goLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): GoLiteral {
  if (!sel) return new GoLiteral('null');
  const exprs = sel.matchExpressions;
  const exprText = exprs
    ? `[]v1.LabelSelectorRequirement{${exprs.map((e) => `v1.LabelSelectorRequirement{Key:${quote(e.key)}, Operator:${quote(e.operator)}, Values:${e.values ? `[]string{${e.values.map(quote).join(', ')}}` : '[]string(nil)'}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprText}}`);
}

function cause(reason: string, field: string, message: string): StatusCause {
  return { reason, message, field };
}

function withDetail(head: string, detail: string): string {
  return detail ? `${head}: ${detail}` : head;
}

/** field.Invalid: `Invalid value: <value>: detail`. */
export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return cause('FieldValueInvalid', field, withDetail(`Invalid value: ${formatValue(value)}`, detail));
}

/** field.Required: `Required value` (plus detail). */
export function required(field: string, detail = ''): StatusCause {
  return cause('FieldValueRequired', field, withDetail('Required value', detail));
}

/** field.Forbidden: `Forbidden: detail`. */
export function forbidden(field: string, detail: string): StatusCause {
  return cause('FieldValueForbidden', field, withDetail('Forbidden', detail));
}

/** field.NotSupported: `Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, valid: readonly string[]): StatusCause {
  const detail = valid.length ? `supported values: ${valid.map(quote).join(', ')}` : '';
  return cause('FieldValueNotSupported', field, withDetail(`Unsupported value: ${formatValue(value)}`, detail));
}

/** field.Duplicate: `Duplicate value: "x"`. */
export function duplicate(field: string, value: unknown): StatusCause {
  return cause('FieldValueDuplicate', field, `Duplicate value: ${formatValue(value)}`);
}

/** field.NotFound: `Not found: "x"`. */
export function notFoundValue(field: string, value: unknown): StatusCause {
  return cause('FieldValueNotFound', field, `Not found: ${formatValue(value)}`);
}

/** field.TooLong: `Too long: may not be more than N bytes`. */
export function tooLong(field: string, maxLength: number): StatusCause {
  return cause('FieldValueTooLong', field, `Too long: may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`);
}

/** field.TooMany: `Too many: N: must have at most M items`. */
export function tooMany(field: string, actual: number, max: number): StatusCause {
  return cause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`);
}

/** Wraps every message of a string check in an Invalid error on one field. */
export function invalidEach(field: string, value: unknown, messages: string[]): StatusCause[] {
  return messages.map((m) => invalid(field, value, m));
}

/** ValidateImmutableField: `Invalid value: <new>: field is immutable` when the value changed. */
export function immutable(field: string, next: unknown, old: unknown, equal: (a: unknown, b: unknown) => boolean, shown: unknown = next): StatusCause[] {
  return equal(next, old) ? [] : [invalid(field, shown, 'field is immutable')];
}

/** ValidateNonnegativeField. */
export function nonNegative(field: string, value: unknown): StatusCause[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, 'must be greater than or equal to 0')] : [];
}

/** A JSON object view of an unknown value (absent or non-object -> empty object). */
export function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An array view of an unknown value (absent or non-array -> empty array). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string view (non-strings -> ''). */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
