/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`), as Kubernetes applies it to an
 * object: a `null` deletes the key, objects merge key by key, anything else (arrays included)
 * replaces the old value.
 */
import { badRequest } from '../errors.ts';
import { cloneJson } from '../object.ts';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies merge patch `patch` to `doc` and returns a new value; neither input is modified.
 * A patch that is not a JSON object cannot patch a Kubernetes object: 400 BadRequest with the
 * message of the JSON patch library the apiserver uses ("Invalid JSON Patch").
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  // Copy first so the result shares nothing with the caller's (possibly cached) object.
  return mergeValue(cloneJson(doc), patch);
}

/** RFC 7386 MergePatch(Target, Patch), without the top-level restriction; untouched parts of `target` are shared. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValue(out[key], value);
  }
  return out;
}
