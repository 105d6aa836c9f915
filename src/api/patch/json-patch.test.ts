import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { applyJsonPatch } from './json-patch.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx' }] } };

describe('applyJsonPatch', () => {
  test('applies operations on a copy', () => {
    const out = applyJsonPatch(pod, [
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'b', image: 'busybox' } },
      { op: 'remove', path: '/metadata/labels/app' },
    ]) as typeof pod;
    assert.equal(out.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(out.metadata.labels, { tier: 'front' });
    assert.equal(out.spec.containers.length, 2);
    assert.equal(pod.spec.containers[0].image, 'nginx', 'input untouched');
    assert.deepEqual(pod.metadata.labels, { app: 'web' });
  });
  test('a failed test operation is 422 Invalid with the apiserver message', () => {
    assert.throws(
      () => applyJsonPatch(pod, [{ op: 'test', path: '/metadata/name', value: 'other' }]),
      (e: unknown) => e instanceof StatusError && e.code === 422 && e.reason === 'Invalid' && e.message === 'the server rejected our request due to an error in our request',
    );
  });
  test('removing a missing path and an unknown op are 422', () => {
    for (const op of [{ op: 'remove', path: '/metadata/annotations/x' }, { op: 'frobnicate', path: '/a' }]) {
      assert.throws(() => applyJsonPatch(pod, [op]), (e: unknown) => e instanceof StatusError && e.code === 422);
    }
  });
  test('a body that is not an array is 400 BadRequest', () => {
    assert.throws(() => applyJsonPatch(pod, { op: 'add' }), (e: unknown) => e instanceof StatusError && e.code === 400 && /cannot unmarshal object/.test(e.message));
  });
  test('more than 10000 operations is 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    assert.throws(() => applyJsonPatch(pod, ops), (e: unknown) => e instanceof StatusError && e.code === 413);
  });
});
