import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { findResource, RESOURCES } from '../../api/registry.ts';
import { printTable } from './table.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const info = (group: string, version: string, resource: string) => {
  const found = findResource(group, version, resource);
  assert.ok(found, `${group}/${version}/${resource} is registered`);
  return found;
};
const object = (name: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, uid: 'u-1', resourceVersion: '7', creationTimestamp: '2024-04-30T10:11:12Z', labels: { a: 'b' } },
  rules: [],
});

describe('printTable', () => {
  test('kinds without a printer get the default Name / Created At table', () => {
    const table = printTable(info('rbac.authorization.k8s.io', 'v1', 'clusterroles'), [object('admin')], { now });
    assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
    assert.match(table.columnDefinitions[1]!.description, /^CreationTimestamp is a timestamp/);
    assert.deepEqual(table.rows[0]!.cells, ['admin', '2024-04-30T10:11:12Z']);
  });

  test('the default table prints the zero time for objects without a creation timestamp', () => {
    const bare: KubeObject = { metadata: { name: 'x' } };
    assert.deepEqual(printTable(info('', 'v1', 'limitranges'), [bare], { now }).rows[0]!.cells, ['x', '0001-01-01T00:00:00Z']);
  });

  test('includeObject defaults to Metadata: a PartialObjectMetadata with the whole metadata', () => {
    const item = object('edit');
    const row = printTable(info('rbac.authorization.k8s.io', 'v1', 'clusterroles'), [item], { now }).rows[0]!;
    assert.deepEqual(row.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata });
  });

  test('includeObject Object embeds the object, None writes null', () => {
    const item: KubeObject = { metadata: { name: 'cm', namespace: 'default' }, data: { k: 'v' } };
    const cm = info('', 'v1', 'configmaps');
    const full = printTable(cm, [item], { now, includeObject: 'Object' }).rows[0]!;
    assert.deepEqual(full.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: item.metadata, data: { k: 'v' } });
    assert.equal(printTable(cm, [item], { now, includeObject: 'None' }).rows[0]!.object, null);
  });

  test('printers are chosen by group and resource, whatever the version', () => {
    const hpa: KubeObject = { metadata: { name: 'web', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 }, status: { currentReplicas: 2, currentCPUUtilizationPercentage: 35 } };
    const v1 = printTable(info('autoscaling', 'v1', 'horizontalpodautoscalers'), [hpa], { now });
    assert.deepEqual(v1.rows[0]!.cells, ['web', 'Deployment/web', 'cpu: 35%/80%', '1', 5, 2, '60m']);
    const v2 = printTable(info('autoscaling', 'v2', 'horizontalpodautoscalers'), [], { now });
    assert.deepEqual(v2.columnDefinitions.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  test('every listable resource prints one cell per column, even for a nearly empty object', () => {
    for (const resource of RESOURCES.filter((r) => r.verbs.includes('list'))) {
      const table = printTable(resource, [{ metadata: { name: 'x' } }], { now });
      assert.equal(table.rows[0]!.cells.length, table.columnDefinitions.length, `${resource.group}/${resource.resource}`);
      for (const column of table.columnDefinitions) assert.ok(column.description.length > 0, `${resource.resource} ${column.name} has a description`);
    }
  });

  test('items are not modified', () => {
    const item = object('view');
    const before = structuredClone(item);
    printTable(info('rbac.authorization.k8s.io', 'v1', 'clusterroles'), [item], { now, includeObject: 'Object' });
    assert.deepEqual(item, before);
  });
});
