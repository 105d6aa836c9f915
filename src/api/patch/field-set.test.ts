import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, keyElement, pathToString } from './field-set.ts';

describe('FieldSet', () => {
  const fieldsV1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } }, 'f:replicas': {} } };
  test('FieldsV1 round trip, with "." for members that have children', () => {
    assert.deepEqual(FieldSet.fromFieldsV1(fieldsV1).toFieldsV1(), fieldsV1);
  });
  test('set algebra on exact paths', () => {
    const a = FieldSet.fromFieldsV1(fieldsV1);
    const b = new FieldSet();
    b.insert(['f:spec', 'f:replicas']);
    assert.equal(a.intersection(b).has(['f:spec', 'f:replicas']), true);
    assert.equal(a.difference(b).has(['f:spec', 'f:replicas']), false);
    assert.equal(a.difference(b).has(['f:metadata', 'f:labels', 'f:app']), true);
    assert.equal(b.union(a).has(['f:metadata', 'f:labels']), true);
    assert.equal(new FieldSet().isEmpty(), true);
  });
  test('paths print as Kubernetes prints them in conflicts', () => {
    assert.equal(pathToString(['f:spec', 'f:replicas']), '.spec.replicas');
    assert.equal(pathToString(['f:spec', 'f:containers', keyElement({ name: 'nginx' }), 'f:image']), '.spec.containers[name="nginx"].image');
    assert.equal(pathToString(['f:ports', keyElement({ protocol: 'TCP', containerPort: 80 })]), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathToString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  });
});
