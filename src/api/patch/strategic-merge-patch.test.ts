import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function deployment(): Any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
            { name: 'sidecar', image: 'busybox' },
          ],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
  };
}

const patch = (doc: Any, p: unknown, model = 'V1Deployment'): Any => applyStrategicMergePatch(doc, p, model);

describe('applyStrategicMergePatch', () => {
  test('kubectl set image: one container updated by name, the others kept', () => {
    const out = patch(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } });
    assert.deepEqual(out.spec.template.spec.containers.map((c: Any) => [c.name, c.image]), [['nginx', 'nginx:1.27'], ['sidecar', 'busybox']]);
    assert.equal(out.spec.template.spec.containers[0].env.length, 2, 'unmentioned fields of the item stay');
  });
  test('the input is not modified', () => {
    const doc = deployment();
    patch(doc, { spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'x' }] } } } });
    assert.equal(doc.spec.replicas, 1);
    assert.equal(doc.spec.template.spec.containers[0].image, 'nginx:1.25');
  });
  test('kubectl label: set one label, delete another with null', () => {
    const out = patch(deployment(), { metadata: { labels: { tier: 'front', app: null } } });
    assert.deepEqual(out.metadata.labels, { tier: 'front' });
  });
  test('$patch: delete removes a container by merge key', () => {
    const out = patch(deployment(), { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
    assert.deepEqual(out.spec.template.spec.containers.map((c: Any) => c.name), ['nginx']);
  });
  test('$patch: replace in a list replaces the whole list', () => {
    const out = patch(deployment(), { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } });
    assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only', image: 'x' }]);
  });
  test('$patch: replace in a map replaces the map', () => {
    const out = patch(deployment(), { metadata: { labels: { x: 'y', $patch: 'replace' } } });
    assert.deepEqual(out.metadata.labels, { x: 'y' });
  });
  test('lists without a strategy (tolerations) are replaced', () => {
    const out = patch(deployment(), { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } });
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
  });
  test('merged primitive lists (finalizers) are unioned; $deleteFromPrimitiveList removes', () => {
    assert.deepEqual(patch(deployment(), { metadata: { finalizers: ['b', 'a'] } }).metadata.finalizers, ['b', 'a']);
    // Upstream interleaving puts items unknown to the server before the server-only ones.
    assert.deepEqual(patch(deployment(), { metadata: { finalizers: ['b'] } }).metadata.finalizers, ['b', 'a']);
    assert.deepEqual(patch(deployment(), { metadata: { finalizers: ['a'] } }).metadata.finalizers, ['a']);
    assert.deepEqual(patch(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers, []);
  });
  test('new items go after the live items that precede them (upstream ordering)', () => {
    const out = patch(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'n2' }, { name: 'new', image: 'z' }] } } } });
    assert.deepEqual(out.spec.template.spec.containers.map((c: Any) => c.name), ['nginx', 'new', 'sidecar']);
  });
  test('$setElementOrder orders the merged list as kubectl apply asks', () => {
    const out = patch(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }], containers: [{ name: 'nginx', image: 'n3' }] } } },
    });
    assert.deepEqual(out.spec.template.spec.containers.map((c: Any) => [c.name, c.image]), [['sidecar', 'busybox'], ['nginx', 'n3']]);
  });
  test('env merged by name inside a container', () => {
    const out = patch(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] }] } } } });
    assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
  });
  test('$retainKeys clears keys not listed (switching to Recreate)', () => {
    const out = patch(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });
  test('$retainKeys with a key not listed is 400', () => {
    assert.throws(
      () => patch(deployment(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'invalid patch format of retainKeys',
    );
  });
  test('kubectl scale and new fields', () => {
    const out = patch(deployment(), { spec: { replicas: 4, paused: true } });
    assert.equal(out.spec.replicas, 4);
    assert.equal(out.spec.paused, true);
  });
  test('new nested values lose nulls and directives', () => {
    const out = patch({ metadata: { name: 'p' }, spec: { containers: [] } }, { spec: { nodeSelector: { a: 'b', c: null } } }, 'V1Pod');
    assert.deepEqual(out.spec.nodeSelector, { a: 'b' });
  });
  test('a list item without its merge key is a 500 with the upstream message', () => {
    assert.throws(
      () => patch(deployment(), { spec: { template: { spec: { containers: [{ image: 'foo' }] } } } }),
      (e: unknown) => e instanceof StatusError && e.code === 500 && e.message === 'map: map[image:foo] does not contain declared merge key: name',
    );
  });
  test('custom resources cannot take strategic merge patch (415)', () => {
    assert.throws(() => patch({ metadata: {} }, {}, 'Widget'), (e: unknown) => e instanceof StatusError && e.code === 415);
  });
  test('a patch that is not an object is 400', () => {
    assert.throws(() => patch(deployment(), [1]), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
  test('service ports merge by port', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] } };
    const out = patch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'V1Service');
    assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }]);
  });
});
