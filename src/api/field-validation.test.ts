import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findFieldErrors, strictDecodingMessage } from './field-validation.ts';

const pod = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { 'app.kubernetes.io/name': 'web', anything: 'x' }, annotations: { 'free-form/key': 'v' } },
  spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', 'example.com/gpu': '2' } }, ...container }] },
  ...extra,
});

describe('findFieldErrors', () => {
  test('a valid object has no errors, whatever its label, annotation and resource keys', () => {
    assert.deepEqual(findFieldErrors(pod(), 'V1Pod'), []);
  });

  test('reports an unknown container field with its list index', () => {
    assert.deepEqual(findFieldErrors(pod({}, { imagee: 'typo' }), 'V1Pod'), ['unknown field "spec.containers[0].imagee"']);
  });

  test('reports unknown fields at the top level, in metadata and in status, in document order', () => {
    const obj = pod({ bogus: 1, status: { phase: 'Running', phasee: 'x' } });
    (obj.metadata as Record<string, unknown>).nmae = 'typo';
    assert.deepEqual(findFieldErrors(obj, 'V1Pod'), ['unknown field "metadata.nmae"', 'unknown field "bogus"', 'unknown field "status.phasee"']);
  });

  test('walks maps of objects with dotted keys, and skips free-form values', () => {
    const crd = {
      spec: {
        versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { size: { type: 'integer', typo: true } } } } }],
      },
    };
    assert.deepEqual(findFieldErrors(crd, 'V1CustomResourceDefinition'), ['unknown field "spec.versions[0].schema.openAPIV3Schema.properties.size.typo"']);
    const revision = { data: { anything: { goes: 1 } }, metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] }, revision: 1 };
    assert.deepEqual(findFieldErrors(revision, 'V1ControllerRevision'), []);
  });

  test('ignores nulls and values of the wrong shape (a type error, not an unknown field)', () => {
    assert.deepEqual(findFieldErrors({ spec: null, metadata: 'x' }, 'V1Pod'), []);
    assert.deepEqual(findFieldErrors({ spec: { containers: { name: 'c' } } }, 'V1Pod'), []);
  });

  test('an unknown model or a non-object body yields nothing', () => {
    assert.deepEqual(findFieldErrors({ a: 1 }, 'NoSuchModel'), []);
    assert.deepEqual(findFieldErrors('text', 'V1Pod'), []);
  });

  test('stops at 100 errors like the strict decoder', () => {
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
    assert.equal(findFieldErrors(many, 'V1ConfigMap').length, 100);
  });
});

test('strictDecodingMessage words the 400 as Kubernetes does', () => {
  assert.equal(
    strictDecodingMessage('Deployment', 'v1', ['unknown field "spec.replica"', 'unknown field "spec.x"']),
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.x"',
  );
});
