import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCreateDefaults, applyDefaults } from '../defaults/index.ts';
import type { KubeObject } from '../object.ts';
import { findResource, type ResourceInfo } from '../registry.ts';
import { validateCreate, validateUpdate } from './index.ts';

function info(group: string, resource: string): ResourceInfo {
  const found = findResource(group, 'v1', resource);
  assert.ok(found);
  return found;
}
const pods = info('', 'pods');
const deployments = info('apps', 'deployments');

function prepared(i: ResourceInfo, obj: KubeObject): KubeObject {
  applyDefaults(i, obj);
  applyCreateDefaults(i, obj);
  return obj;
}

function pod(name: string, containers: Record<string, unknown>[]): KubeObject {
  return prepared(pods, { metadata: { name, namespace: 'default' }, spec: { containers } });
}

function deployment(selector: Record<string, string>, labels: Record<string, string>): KubeObject {
  return prepared(deployments, {
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: selector }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  });
}

describe('validateCreate', () => {
  test('a valid pod has no causes', () => {
    assert.deepEqual(validateCreate(pods, pod('nginx', [{ name: 'nginx', image: 'nginx' }])), []);
  });

  test('bad names use the exact Kubernetes message', () => {
    const causes = validateCreate(pods, pod('Foo', [{ name: 'nginx', image: 'nginx' }]));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    }]);
    const svc = prepared(info('', 'services'), { metadata: { name: '1web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    const [cause] = validateCreate(info('', 'services'), svc);
    assert.equal(cause.field, 'metadata.name');
    assert.match(cause.message!, /^Invalid value: "1web": a DNS-1035 label must consist of .*\(e\.g\. 'my-name',  or 'abc-123', regex used/);
    const ns = prepared(info('', 'namespaces'), { metadata: { name: 'a.b' } });
    assert.deepEqual(validateCreate(info('', 'namespaces'), ns).map((c) => c.message), ['Invalid value: "a.b": must not contain dots']);
  });

  test('missing image, duplicate container names, bad ports and enums', () => {
    const causes = validateCreate(pods, pod('p', [
      { name: 'app' },
      { name: 'app', image: 'x', ports: [{ containerPort: 70000 }], imagePullPolicy: 'Sometimes' },
    ]));
    assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`), [
      'spec.containers[0].image: Required value',
      'spec.containers[1].name: Duplicate value: "app"',
      'spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[1].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ]);
    assert.deepEqual(validateCreate(pods, pod('p', [])).map((c) => `${c.field}: ${c.message}`), ['spec.containers: Required value']);
  });

  test('labels and annotations', () => {
    const p = pod('p', [{ name: 'a', image: 'x' }]);
    p.metadata.labels = { 'bad key!': 'ok', good: '-bad' };
    const causes = validateCreate(pods, p);
    assert.equal(causes.length, 2);
    assert.ok(causes.every((c) => c.field === 'metadata.labels'));
    assert.match(causes[0].message!, /^Invalid value: "bad key!": name part must consist of alphanumeric characters/);
    assert.match(causes[1].message!, /^Invalid value: "-bad": a valid label must be an empty string/);
  });

  test('workload selector must match the template labels', () => {
    const causes = validateCreate(deployments, deployment({ app: 'web' }, { app: 'other' }));
    assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    ]);
    const empty = deployment({}, { app: 'web' });
    assert.match(validateCreate(deployments, empty)[0].message!, /empty selector is invalid for deployment$/);
    const noSelector = deployment({ app: 'web' }, { app: 'web' });
    delete (noSelector.spec as Record<string, unknown>).selector;
    assert.deepEqual(validateCreate(deployments, noSelector).map((c) => `${c.field}: ${c.message}`), ['spec.selector: Required value']);
  });

  test('jobs need OnFailure or Never; services need ports; configmap keys', () => {
    const jobs = info('batch', 'jobs');
    const job = prepared(jobs, { metadata: { name: 'pi', namespace: 'default', uid: 'u1' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } } });
    assert.deepEqual(validateCreate(jobs, job).map((c) => `${c.field}: ${c.message}`), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
    const services = info('', 'services');
    const svc = prepared(services, { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'Magic' } });
    assert.deepEqual(validateCreate(services, svc).map((c) => `${c.field}: ${c.message}`), [
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports: Required value',
    ]);
    const cms = info('', 'configmaps');
    const cm: KubeObject = { metadata: { name: 'c', namespace: 'default' }, data: { 'a b': '1', ok: '2' } };
    assert.deepEqual(validateCreate(cms, cm).map((c) => c.field), ['data[a b]']);
  });
});

describe('validateUpdate', () => {
  test('deployment selector is immutable', () => {
    const old = deployment({ app: 'web' }, { app: 'web' });
    const next = deployment({ app: 'web2' }, { app: 'web2' });
    assert.deepEqual(validateUpdate(deployments, next, old).map((c) => `${c.field}: ${c.message}`), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    const scaled = structuredClone(old);
    (scaled.spec as { replicas: number }).replicas = 5;
    assert.deepEqual(validateUpdate(deployments, scaled, old), []);
  });

  test('pod spec is immutable except images', () => {
    const old = pod('p', [{ name: 'a', image: 'nginx:1' }]);
    const image = structuredClone(old);
    (image.spec as any).containers[0].image = 'nginx:2';
    assert.deepEqual(validateUpdate(pods, image, old), []);
    const port = structuredClone(old);
    (port.spec as any).containers[0].ports = [{ containerPort: 81, protocol: 'TCP' }];
    const [cause] = validateUpdate(pods, port, old);
    assert.equal(cause.field, 'spec');
    assert.equal(cause.reason, 'FieldValueForbidden');
    assert.ok(cause.message!.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'));
    const renamed = structuredClone(old);
    renamed.metadata.name = 'q';
    assert.deepEqual(validateUpdate(pods, renamed, old).map((c) => `${c.field}: ${c.message}`), ['metadata.name: Invalid value: "q": field is immutable']);
  });

  test('immutable configmaps and service clusterIP', () => {
    const cms = info('', 'configmaps');
    const old: KubeObject = { metadata: { name: 'c', namespace: 'd' }, data: { a: '1' }, immutable: true };
    const next: KubeObject = { ...structuredClone(old), data: { a: '2' } };
    assert.deepEqual(validateUpdate(cms, next, old).map((c) => `${c.field}: ${c.message}`), ['data: Forbidden: field is immutable when `immutable` is set']);
    const services = info('', 'services');
    const svc = prepared(services, { metadata: { name: 'web', namespace: 'd' }, spec: { clusterIP: '10.43.0.5', ports: [{ port: 80 }] } });
    const moved = structuredClone(svc);
    (moved.spec as any).clusterIP = '10.43.0.6';
    assert.deepEqual(validateUpdate(services, moved, svc).map((c) => `${c.field}: ${c.message}`), ['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.6"}: may not change once set']);
  });
});
