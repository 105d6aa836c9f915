import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { Indexer, NAMESPACE_INDEX, objectKey, splitKey } from './indexer.ts';
import { Lister } from './lister.ts';

function pod(namespace: string, name: string, labels: Record<string, string> = {}, nodeName = ''): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels }, spec: { nodeName } };
}
const byNode = (obj: KubeObject): string[] => {
  const node = (obj.spec as { nodeName?: string }).nodeName;
  return node ? [node] : [];
};

describe('Indexer', () => {
  test('keys are namespace/name, or name for cluster-scoped objects', () => {
    assert.equal(objectKey(pod('ns1', 'a')), 'ns1/a');
    assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
    assert.deepEqual(splitKey('ns1/a'), { namespace: 'ns1', name: 'a' });
    assert.deepEqual(splitKey('node-1'), { namespace: '', name: 'node-1' });
  });

  test('indexes by namespace and by custom functions, and keeps them in step with updates and deletes', () => {
    const idx = new Indexer();
    idx.addIndexers({ byNode });
    idx.set(pod('ns1', 'a', {}, 'n1'));
    idx.set(pod('ns1', 'b', {}, 'n2'));
    idx.set(pod('ns2', 'c', {}, 'n1'));
    assert.deepEqual(idx.byIndex(NAMESPACE_INDEX, 'ns1').map(objectKey).sort(), ['ns1/a', 'ns1/b']);
    assert.deepEqual(idx.byIndex('byNode', 'n1').map(objectKey).sort(), ['ns1/a', 'ns2/c']);

    const old = idx.set(pod('ns1', 'a', {}, 'n2'));
    assert.equal((old?.spec as { nodeName: string }).nodeName, 'n1');
    assert.deepEqual(idx.byIndex('byNode', 'n1').map(objectKey), ['ns2/c']);
    assert.deepEqual(idx.indexKeys('byNode', 'n2').sort(), ['ns1/a', 'ns1/b']);

    idx.deleteKey('ns2/c');
    assert.deepEqual(idx.byIndex('byNode', 'n1'), []);
    assert.deepEqual(idx.listIndexValues('byNode'), ['n2']);
    assert.equal(idx.size, 2);
    assert.throws(() => idx.byIndex('nope', 'x'), /does not exist/);
  });

  test('an index added later covers the objects already stored', () => {
    const idx = new Indexer();
    idx.set(pod('ns1', 'a', {}, 'n1'));
    idx.addIndexers({ byNode });
    assert.equal(idx.byIndex('byNode', 'n1').length, 1);
    assert.throws(() => idx.addIndexers({ byNode }), /conflict/);
  });

  test('replace swaps the whole content and the indexes', () => {
    const idx = new Indexer();
    idx.set(pod('ns1', 'a'));
    idx.replace([pod('ns2', 'b')]);
    assert.deepEqual(idx.listKeys(), ['ns2/b']);
    assert.deepEqual(idx.byIndex(NAMESPACE_INDEX, 'ns1'), []);
    assert.equal(idx.byIndex(NAMESPACE_INDEX, 'ns2').length, 1);
  });

  test('index returns the objects sharing an index value with an object', () => {
    const idx = new Indexer();
    idx.addIndexers({ byNode });
    idx.set(pod('ns1', 'a', {}, 'n1'));
    idx.set(pod('ns2', 'b', {}, 'n1'));
    assert.equal(idx.index('byNode', pod('x', 'y', {}, 'n1')).length, 2);
  });
});

describe('Lister', () => {
  const idx = new Indexer();
  idx.set(pod('ns1', 'a', { app: 'web', tier: 'fe' }));
  idx.set(pod('ns1', 'b', { app: 'db' }));
  idx.set(pod('ns2', 'c', { app: 'web' }));
  idx.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  const lister = new Lister(idx);

  test('gets by namespace and name, or by name for cluster-scoped objects', () => {
    assert.equal(lister.get('ns1', 'a')?.metadata.name, 'a');
    assert.equal(lister.get(undefined, 'n1')?.kind, 'Node');
    assert.equal(lister.get('ns1', 'zzz'), undefined);
  });

  test('lists with an equality map or a predicate; an empty map selects everything', () => {
    assert.deepEqual(lister.list({ app: 'web' }).map(objectKey).sort(), ['ns1/a', 'ns2/c']);
    assert.deepEqual(lister.list({ app: 'web', tier: 'fe' }).map(objectKey), ['ns1/a']);
    assert.equal(lister.list({}).length, 4);
    assert.deepEqual(lister.list((l) => l.app !== 'web' && 'app' in l).map(objectKey), ['ns1/b']);
  });

  test('a namespace lister sees only its namespace', () => {
    assert.deepEqual(lister.namespace('ns1').list({ app: 'web' }).map(objectKey), ['ns1/a']);
    assert.equal(lister.namespace('ns2').get('a'), undefined);
    assert.equal(lister.namespace('ns2').get('c')?.metadata.name, 'c');
    assert.equal(lister.byIndex(NAMESPACE_INDEX, 'ns2').length, 1);
  });
});
