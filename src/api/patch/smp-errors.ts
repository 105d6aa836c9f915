/**
 * The errors strategic merge patch reports, with the status codes the apiserver's patch handler
 * gives them (interpretStrategicMergePatchError): malformed directives are 400 BadRequest, lists
 * of lists 422, and anything else (a missing merge key, an unknown `$patch`) reaches the client
 * as a 500 whose message is the library's text.
 */
import { badRequest, StatusError, type StatusReason } from '../errors.ts';

export const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
export const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
export const BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

/** 400 BadRequest for a malformed directive. */
export function badFormat(message: string): StatusError {
  return badRequest(message);
}

/** 422 from NewGenericServerResponse, whose message replaces the library's. */
export function unprocessable(): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/**
 * A plain error turned into a Status by the apiserver: code 500 and no reason (StatusReasonUnknown
 * is the empty string, which the wire form omits), the message as is.
 */
export function plainError(message: string): StatusError {
  return new StatusError(500, undefined as unknown as StatusReason, message);
}

/** `map: map[image:foo] does not contain declared merge key: name` */
export function noMergeKey(item: unknown, key: string): StatusError {
  return plainError(`map: ${goFormat(item)} does not contain declared merge key: ${key}`);
}

/** `unknown patch type: foo in map: map[$patch:foo name:x]` */
export function badPatchType(directive: unknown, item: unknown): StatusError {
  return plainError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`);
}

/** A JSON value as Go's `%v` prints the decoded form: `map[a:1 b:[x y]]`, sorted keys, `<nil>`. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}
