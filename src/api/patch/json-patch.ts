/**
 * JSON patch (RFC 6902, `application/json-patch+json`) as the Kubernetes API server applies it:
 * on a copy of the current object, with the status codes of apiserver's patch handler.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, StatusError } from '../errors.ts';
import { cloneJson } from '../object.ts';

/** The apiserver refuses JSON patches with more operations than this (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Applies an RFC 6902 patch to a copy of `doc` and returns the patched copy; `doc` is untouched.
 *
 * Errors, as Kubernetes answers them:
 * - a body that is not a JSON array: 400 BadRequest (the patch does not decode);
 * - more than 10000 operations: 413 RequestEntityTooLarge;
 * - an operation that cannot be applied (unknown op, missing path, failed `test`): 422 Invalid
 *   with the generic message the apiserver uses for a patch it could not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    const what = patch === null ? 'null' : typeof patch === 'object' ? 'object' : typeof patch === 'string' ? 'string' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Patch`);
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  for (const op of patch) checkOperation(op);
  try {
    return fastJsonPatch.applyPatch(cloneJson(doc), patch as Operation[], true, true).newDocument;
  } catch (err) {
    throw cannotApply(err);
  }
}

/** Each operation must be an object with a known `op` and a string `path` (evanphx/json-patch rules). */
function checkOperation(op: unknown): void {
  if (typeof op !== 'object' || op === null || Array.isArray(op)) {
    throw badRequest('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation');
  }
  const { op: kind, path } = op as { op?: unknown; path?: unknown };
  if (typeof kind !== 'string' || !OPS.has(kind)) throw cannotApply(new Error(`Unexpected kind: ${String(kind)}`));
  if (typeof path !== 'string') throw cannotApply(new Error(`${kind} operation missing path`));
}

/**
 * The apiserver wraps apply failures in a 422 built by NewGenericServerResponse, whose message is
 * the fixed text below; the library's own message is not shown to the client.
 */
function cannotApply(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}
