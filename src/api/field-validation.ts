/**
 * Server-side field validation (`fieldValidation=Strict|Warn`): finds the fields of a request
 * body that the type does not have, as Kubernetes' strict JSON decoder (sigs.k8s.io/json)
 * reports them. The schema is the `@kubernetes/client-node` attribute maps (the same facts as
 * the published OpenAPI documents).
 *
 * Duplicate fields, the decoder's other strict error, cannot be seen after `JSON.parse` and are
 * not reported.
 */
import { modelAttributes } from './patch/patch-meta.ts';

/** The strict decoder stops collecting after this many errors, as sigs.k8s.io/json does. */
const MAX_ERRORS = 100;

/** Values whose inner fields are free-form: nothing inside them is unknown. */
function isFreeForm(type: string): boolean {
  return type === 'any' || type === 'object' || type === 'IntOrString' || type === 'Date' || type === 'V1MicroTime';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a value of client-node type `type` found at `path`. */
function walkType(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined || out.length >= MAX_ERRORS || isFreeForm(type)) return;
  const element = /^Array<(.+)>$/.exec(type)?.[1];
  if (element) {
    // A non-array here is a type error the decoder reports differently; not an unknown field.
    if (Array.isArray(value)) value.forEach((item, i) => walkType(item, element, `${path}[${i}]`, out));
    return;
  }
  const mapValue = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (mapValue) {
    // Map keys are data (labels, annotations, resource names), never unknown fields.
    if (isObject(value)) for (const [key, item] of Object.entries(value)) walkType(item, mapValue, join(path, key), out);
    return;
  }
  if (modelAttributes(type)) walkModel(value, type, path, out);
}

/** Walks an object that should be client-node model `model`, reporting keys it lacks. */
function walkModel(value: unknown, model: string, path: string, out: string[]): void {
  const attributes = modelAttributes(model);
  if (!attributes || !isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (out.length >= MAX_ERRORS) return;
    const attr = attributes.get(key);
    const fieldPath = join(path, key);
    if (!attr) {
      const message = `unknown field "${fieldPath}"`;
      if (!out.includes(message)) out.push(message);
      continue;
    }
    walkType(item, attr.type, fieldPath, out);
  }
}

/** Field paths as the strict decoder spells them: dotted names, `[i]` for list items. */
function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * The unknown fields of `obj` read as client-node model `model` (e.g. `V1Pod`), each as the
 * Kubernetes strict decoder words it: `unknown field "spec.containers[0].imagee"`. Keys of
 * string maps (labels, annotations, data) and free-form values (`RawExtension`, `fieldsV1`)
 * are never unknown. At most 100 messages, in document order. Empty when `model` is unknown.
 */
export function findFieldErrors(obj: unknown, model: string): string[] {
  const out: string[] = [];
  walkModel(obj, model, '', out);
  return out;
}

/**
 * The message of the 400 BadRequest a create or update gets under `fieldValidation=Strict`:
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "x", ...`.
 * `version` is the version only (`v1`), as Kubernetes prints the request's group version.
 */
export function strictDecodingMessage(kind: string, version: string, errors: readonly string[]): string {
  return `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${errors.join(', ')}`;
}
