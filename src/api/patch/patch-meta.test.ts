import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { childSchema, fieldKind, fieldModel, fieldPatchMeta, listKeyDefault, modelIsAtomic } from './patch-meta.ts';

describe('fieldPatchMeta', () => {
  test('pod containers merge by name and are a list-map', () => {
    assert.deepEqual(fieldPatchMeta('V1PodSpec', 'containers'), { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
  });
  test('container ports merge by containerPort, keyed by containerPort+protocol for apply', () => {
    assert.deepEqual(fieldPatchMeta('V1Container', 'ports'), { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] });
    assert.equal(fieldPatchMeta('V1Container', 'env')?.mergeKey, 'name');
  });
  test('volumes use merge,retainKeys; deployment strategy uses retainKeys', () => {
    assert.equal(fieldPatchMeta('V1PodSpec', 'volumes')?.strategy, 'merge,retainKeys');
    assert.equal(fieldPatchMeta('V1DeploymentSpec', 'strategy')?.strategy, 'retainKeys');
  });
  test('finalizers are a merged set; tolerations and args are atomic', () => {
    assert.deepEqual(fieldPatchMeta('V1ObjectMeta', 'finalizers'), { strategy: 'merge', listType: 'set' });
    assert.deepEqual(fieldPatchMeta('V1PodSpec', 'tolerations'), { listType: 'atomic' });
    assert.deepEqual(fieldPatchMeta('V1Container', 'args'), { listType: 'atomic' });
  });
  test('service ports merge by port; ownerReferences by uid; nodeSelector is an atomic map', () => {
    assert.equal(fieldPatchMeta('V1ServiceSpec', 'ports')?.mergeKey, 'port');
    assert.deepEqual(fieldPatchMeta('V1ServiceSpec', 'ports')?.listMapKeys, ['port', 'protocol']);
    assert.equal(fieldPatchMeta('V1ObjectMeta', 'ownerReferences')?.mergeKey, 'uid');
    assert.equal(fieldPatchMeta('V1PodSpec', 'nodeSelector')?.mapType, 'atomic');
  });
  test('client-node naming quirks are mapped (CoreV1EndpointPort, RbacV1Subject)', () => {
    assert.equal(modelIsAtomic('RbacV1Subject'), true);
    assert.equal(modelIsAtomic('CoreV1EndpointPort'), true);
    assert.equal(fieldPatchMeta('V1RoleBinding', 'subjects')?.listType, 'atomic');
  });
  test('fields without facts and unknown models give undefined', () => {
    assert.equal(fieldPatchMeta('V1PodSpec', 'hostname'), undefined);
    assert.equal(fieldPatchMeta('NoSuchModel', 'x'), undefined);
  });
});

describe('fieldModel and schema descent', () => {
  test('element, value and nested models', () => {
    assert.equal(fieldModel('V1PodSpec', 'containers'), 'V1Container');
    assert.equal(fieldModel('V1Deployment', 'spec'), 'V1DeploymentSpec');
    assert.equal(fieldModel('V1JSONSchemaProps', 'properties'), 'V1JSONSchemaProps');
    assert.equal(fieldModel('V1Container', 'image'), undefined);
    assert.equal(fieldModel('V1ObjectMeta', 'labels'), undefined);
  });
  test('fieldKind distinguishes lists, maps, objects and scalars', () => {
    assert.equal(fieldKind('V1PodSpec', 'containers'), 'list');
    assert.equal(fieldKind('V1ObjectMeta', 'labels'), 'map');
    assert.equal(fieldKind('V1Pod', 'spec'), 'object');
    assert.equal(fieldKind('V1Container', 'image'), 'scalar');
    assert.equal(fieldKind('V1Container', 'nope'), 'unknown');
  });
  test('childSchema follows maps of models', () => {
    const props = childSchema({ model: 'V1JSONSchemaProps' }, 'properties');
    assert.deepEqual(props.node, { model: 'V1JSONSchemaProps', mapOf: true });
    assert.deepEqual(childSchema(props.node, 'replicas'), { node: { model: 'V1JSONSchemaProps' }, declared: false });
  });
  test('list key defaults come from the schema', () => {
    assert.equal(listKeyDefault('V1ContainerPort', 'protocol'), 'TCP');
    assert.equal(listKeyDefault('V1ContainerPort', 'containerPort'), undefined);
  });
});
