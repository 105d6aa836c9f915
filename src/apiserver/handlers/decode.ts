import { badRequest, StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { findFieldErrors, strictDecodingMessage } from '../../api/field-validation.ts';
import { mediaType, parseBody, readBody } from '../http.ts';
import type { HandlerContext } from './context.ts';

/** Reads and parses the request body as JSON or YAML. */
export async function readJsonBody(ctx: HandlerContext): Promise<unknown> {
  return parseBody(await readBody(ctx.req), mediaType(ctx.req));
}

/**
 * Decodes an object for create or update: it must be an object of the URL's kind and version, in
 * the URL's namespace, and pass field validation at the requested level (Strict, Warn, Ignore).
 */
export async function decodeObject(ctx: HandlerContext, expectedKind = ctx.info.kind, expectedVersion = apiVersionOf(ctx.info), model = ctx.info.model): Promise<KubeObject> {
  const body = await readJsonBody(ctx);
  return checkObject(ctx, body, expectedKind, expectedVersion, model);
}

/** Checks a parsed body against the request (see decodeObject). */
export function checkObject(ctx: HandlerContext, body: unknown, expectedKind: string, expectedVersion: string, model: string): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body of the request must be a JSON or YAML object');
  const object = body as KubeObject;
  if (object.apiVersion !== undefined && object.apiVersion !== expectedVersion) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expectedVersion})`);
  }
  if (object.kind !== undefined && object.kind !== expectedKind) {
    throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${expectedKind})`);
  }
  if (object.metadata !== undefined && (typeof object.metadata !== 'object' || object.metadata === null || Array.isArray(object.metadata))) {
    throw badRequest('metadata must be an object');
  }
  object.metadata ??= {};
  const namespace = ctx.request.namespace;
  if (ctx.info.namespaced && object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  validateFields(ctx, object, model);
  return object;
}

/**
 * Field validation as Kubernetes 1.27+ does it: `Strict` rejects unknown fields with 400,
 * `Warn` (the default) reports them in Warning headers, `Ignore` drops them silently.
 */
export function validateFields(ctx: HandlerContext, object: unknown, model: string): void {
  const level = ctx.query.get('fieldValidation') ?? 'Warn';
  if (level !== 'Strict' && level !== 'Warn' && level !== 'Ignore') {
    throw badRequest(`fieldValidation parameter unsupported: ${level}`);
  }
  if (level === 'Ignore') return;
  const problems = findFieldErrors(object, model);
  if (problems.length === 0) return;
  if (level === 'Strict') throw new StatusError(400, 'BadRequest', strictDecodingMessage(ctx.info.kind, ctx.info.version, problems));
  ctx.warnings.push(...problems);
}
