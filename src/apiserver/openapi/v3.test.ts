import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiV3Document, openApiV3Hash, openApiV3Root } from './v3.ts';
import { RESOURCES } from '../../api/registry.ts';

type Json = Record<string, any>;
const doc = (path: string): Json => openApiV3Document(path) as Json;
const gvKey = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

describe('/openapi/v3 root', () => {
  test('lists every served group/version with a hashed server-relative URL', () => {
    const root = openApiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    for (const info of RESOURCES) {
      const key = gvKey(info.group, info.version);
      const url = root.paths[key]?.serverRelativeURL;
      assert.ok(url, key);
      assert.match(url, new RegExp(`^/openapi/v3/${key.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
      assert.equal(url.split('hash=')[1], openApiV3Hash(key));
    }
  });

  test('documents are cached, unknown paths are undefined', () => {
    assert.equal(openApiV3Document('api/v1'), openApiV3Document('/api/v1/'));
    assert.equal(openApiV3Document('apis/nope/v1'), undefined);
  });
});

describe('api/v1 document', () => {
  const v1 = doc('api/v1');

  test('is OpenAPI 3.0 with paths and schemas', () => {
    assert.equal(v1.openapi, '3.0.0');
    assert.equal(v1.info.title, 'Kubernetes');
    assert.ok(v1.components.schemas['io.k8s.api.core.v1.Pod']);
  });

  test('pod PATCH carries fieldValidation, force and the Pod kind, with the patch media types', () => {
    const patch = v1.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.equal(patch.operationId, 'patchCoreV1NamespacedPod');
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
    const names = patch.parameters.map((p: Json) => p.name);
    for (const name of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) assert.ok(names.includes(name), name);
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.equal(patch.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.Pod');
  });

  test('names operations as Kubernetes does', () => {
    const p = v1.paths;
    assert.equal(p['/api/v1/namespaces/{namespace}/pods'].get.operationId, 'listCoreV1NamespacedPod');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods'].post.operationId, 'createCoreV1NamespacedPod');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods'].delete['x-kubernetes-action'], 'deletecollection');
    assert.equal(p['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(p['/api/v1/watch/namespaces/{namespace}/pods/{name}'].get['x-kubernetes-action'], 'watch');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/status'].put.operationId, 'replaceCoreV1NamespacedPodStatus');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.operationId, 'readCoreV1NamespacedPodLog');
    assert.equal(p['/api/v1/namespaces/{namespace}/pods/{name}/exec'].post.operationId, 'connectCoreV1PostNamespacedPodExec');
    assert.equal(p['/api/v1/nodes/{name}'].get.operationId, 'readCoreV1Node');
    assert.deepEqual(p['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'], { group: 'policy', kind: 'Eviction', version: 'v1' });
    assert.deepEqual(p['/api/v1/namespaces/{namespace}/pods/{name}'].parameters.map((x: Json) => x.name), ['name', 'namespace', 'pretty']);
  });

  test('kinds and lists carry x-kubernetes-group-version-kind', () => {
    const s = v1.components.schemas;
    assert.deepEqual(s['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(s['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'PodList', version: 'v1' }]);
    assert.deepEqual(s['io.k8s.apimachinery.pkg.apis.meta.v1.Status']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Status', version: 'v1' }]);
    const deleteKinds = s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'];
    assert.ok(deleteKinds.some((g: Json) => g.group === 'apps' && g.kind === 'DeleteOptions'));
    assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent']['x-kubernetes-group-version-kind']);
    assert.equal(s['io.k8s.api.apps.v1.Deployment'], undefined, 'only what api/v1 reaches');
  });
});

describe('every group/version document', () => {
  for (const key of Object.keys((openApiV3Root() as Json).paths).filter((k) => k.split('/').length === (k.startsWith('api/') ? 2 : 3))) {
    test(`${key}: refs resolve, operation ids are unique, PATCH ops support fieldValidation`, () => {
      const d = doc(key);
      const text = JSON.stringify(d);
      for (const ref of text.match(/"\$ref":"[^"]+"/g) ?? []) {
        assert.ok(d.components.schemas[ref.slice('"$ref":"#/components/schemas/'.length, -1)], `${key}: dangling ${ref}`);
      }
      const ids = new Set<string>();
      for (const item of Object.values<Json>(d.paths)) {
        for (const [method, op] of Object.entries<Json>(item)) {
          if (method === 'parameters') continue;
          assert.ok(!ids.has(op.operationId), `${key}: duplicate ${op.operationId}`);
          ids.add(op.operationId);
          // cli-runtime's QueryParamVerifierV3 stops at the first PATCH of a kind: all must have it.
          if (method === 'patch' && op['x-kubernetes-action'] === 'patch') assert.ok(op.parameters.some((p: Json) => p.name === 'fieldValidation'), op.operationId);
        }
      }
    });
  }

  test('kubectl explain finds each resource the way its template does', () => {
    for (const info of RESOURCES) {
      const d = doc(gvKey(info.group, info.version));
      const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
      const candidates = [`${root}/${info.resource}`, `${root}/${info.resource}/{name}`, `${root}/namespaces/{namespace}/${info.resource}`, `${root}/namespaces/{namespace}/${info.resource}/{name}`];
      let gvk: Json | undefined;
      for (const path of candidates) {
        for (const method of ['get', 'post', 'put', 'patch', 'delete']) gvk ??= d.paths[path]?.[method]?.['x-kubernetes-group-version-kind'];
      }
      assert.deepEqual(gvk, { group: info.group, kind: info.kind, version: info.version }, info.resource);
      const schema = Object.values<Json>(d.components.schemas).find((s) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: Json) => g.group === gvk!.group && g.kind === gvk!.kind && g.version === gvk!.version));
      assert.ok(schema?.properties?.metadata, `${info.kind} schema`);
    }
  });
});
