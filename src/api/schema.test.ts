import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collectDefinitions, definitionName, definitionSchema, modelOfDefinition, modelSchema } from './schema.ts';
import { RESOURCES } from './registry.ts';

describe('definition names', () => {
  test('maps client-node models to Kubernetes definition names', () => {
    assert.equal(definitionName('V1Pod'), 'io.k8s.api.core.v1.Pod');
    assert.equal(definitionName('V1PodSpec'), 'io.k8s.api.core.v1.PodSpec');
    assert.equal(definitionName('V1ObjectMeta'), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.equal(definitionName('V1LabelSelector'), 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
    assert.equal(definitionName('CoreV1Event'), 'io.k8s.api.core.v1.Event');
    assert.equal(definitionName('EventsV1Event'), 'io.k8s.api.events.v1.Event');
    assert.equal(definitionName('RbacV1Subject'), 'io.k8s.api.rbac.v1.Subject');
    assert.equal(definitionName('V1Scale'), 'io.k8s.api.autoscaling.v1.Scale');
    assert.equal(definitionName('V2HorizontalPodAutoscaler'), 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler');
    assert.equal(definitionName('V1CustomResourceDefinition'), 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
    assert.equal(definitionName('NotAModel'), undefined);
  });

  test('every served resource and its list has a definition, and names round-trip', () => {
    for (const info of RESOURCES) {
      const name = definitionName(info.model);
      assert.ok(name?.endsWith(`.${info.kind}`), `${info.model} -> ${name}`);
      assert.equal(modelOfDefinition(name!), info.model);
      if (info.verbs.includes('list')) assert.ok(definitionName(`${info.model}List`)?.endsWith(`.${info.kind}List`), info.model);
    }
  });
});

describe('modelSchema', () => {
  test('PodSpec.containers is a list of Container merged by name', () => {
    const pod = modelSchema('V1Pod')!;
    assert.deepEqual(pod.properties!.spec, { $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' });
    const containers = modelSchema('V1PodSpec')!.properties!.containers;
    assert.equal(containers.type, 'array');
    assert.deepEqual(containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(modelSchema('V1PodSpec')!.required, ['containers']);
  });

  test('kind and apiVersion are optional; openapi-gen required fields are kept', () => {
    assert.equal(modelSchema('V1Pod')!.required, undefined);
    assert.deepEqual(modelSchema('V1Container')!.required, ['name']);
    assert.deepEqual(modelSchema('V1PodList')!.required, ['items']);
  });

  test('scalar types, formats and special apimachinery types', () => {
    const container = modelSchema('V1ContainerPort')!.properties!;
    assert.deepEqual(container.containerPort, { type: 'integer', format: 'int32' });
    assert.deepEqual(container.name, { type: 'string' });
    const meta = modelSchema('V1ObjectMeta')!.properties!;
    assert.deepEqual(meta.labels, { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(meta.creationTimestamp, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time' });
    assert.deepEqual(meta.generation, { type: 'integer', format: 'int64' });
    const resources = modelSchema('V1ResourceRequirements')!.properties!;
    assert.deepEqual(resources.limits, { type: 'object', additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' } });
    assert.deepEqual(modelSchema('V1ServicePort')!.properties!.targetPort, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' });
    assert.deepEqual(modelSchema('V1LeaseSpec')!.properties!.renewTime, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime' });
    assert.deepEqual(modelSchema('V1ControllerRevision')!.properties!.data, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension' });
    assert.deepEqual(modelSchema('V1Secret')!.properties!.data, { type: 'object', additionalProperties: { type: 'string', format: 'byte' } });
  });

  test('atomic structs and v2 refs', () => {
    assert.equal(modelSchema('V1LabelSelector')!['x-kubernetes-map-type'], 'atomic');
    assert.deepEqual(modelSchema('V1Pod', 'v2')!.properties!.metadata, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    assert.deepEqual(definitionSchema('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'v2'), { type: 'string', format: 'int-or-string' });
    assert.ok(definitionSchema('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'v3')!.oneOf);
  });
});

describe('collectDefinitions', () => {
  test('collects exactly what a root reaches', () => {
    const defs = collectDefinitions(['io.k8s.api.core.v1.ConfigMap']);
    assert.deepEqual(Object.keys(defs).sort(), [
      'io.k8s.api.core.v1.ConfigMap',
      'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    ]);
  });

  test('every ref in the closure of all resources resolves', () => {
    const defs = collectDefinitions(RESOURCES.map((r) => definitionName(r.model)!));
    const refs = JSON.stringify(defs).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      assert.ok(defs[name], `dangling ${name}`);
    }
    assert.ok(defs['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']);
  });
});
