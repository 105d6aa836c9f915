import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiV2 } from './v2.ts';

type Json = Record<string, any>;

test('openApiV2 is one swagger 2.0 document of every group/version, with resolvable refs', () => {
  const doc = openApiV2() as Json;
  assert.equal(doc.swagger, '2.0');
  assert.equal(openApiV2(), doc, 'built once');
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
  assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
  for (const ref of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
    assert.ok(ref.startsWith('"$ref":"#/definitions/'), ref);
    assert.ok(doc.definitions[ref.slice('"$ref":"#/definitions/'.length, -1)], `dangling ${ref}`);
  }
});

test('v2 patch operations consume the patch media types and take a body parameter', () => {
  const patch = (openApiV2() as Json).paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  assert.ok(patch.consumes.includes('application/apply-patch+yaml'));
  assert.deepEqual(patch.parameters[0], { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.type === 'string'));
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  const defs = (openApiV2() as Json).definitions;
  assert.deepEqual(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'], { type: 'string' });
});
