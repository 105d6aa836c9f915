import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { trackUpdate } from './managed-fields.ts';
import { serverSideApply } from './server-side-apply.ts';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = '2024-05-01T10:00:00Z';
const opts = (manager: string, extra: object = {}) => ({ manager, force: false, model: 'V1Deployment', apiVersion: 'apps/v1', now: T0, ...extra });

function config(extra: Any = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, ...extra.metadata },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } },
      ...extra.spec,
    },
  };
}

describe('serverSideApply', () => {
  test('creating by apply records exactly the applied fields under operation Apply', () => {
    const out = serverSideApply(undefined, config(), opts('kubectl'));
    assert.equal((out.spec as Any).replicas, 2);
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test('two appliers disagreeing on .spec.replicas: 409 Conflict naming the field and manager', () => {
    const live = serverSideApply(undefined, config(), opts('alice'));
    assert.throws(
      () => serverSideApply(live, config({ spec: { replicas: 5 } }), opts('bob')),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === 409 &&
        e.reason === 'Conflict' &&
        e.message === 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas' &&
        JSON.stringify(e.details?.causes) === JSON.stringify([{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]),
    );
  });

  test('applying the same value another applier set is shared ownership, not a conflict', () => {
    const live = serverSideApply(undefined, config(), opts('alice'));
    const out = serverSideApply(live, config(), opts('bob'));
    assert.deepEqual(out.metadata.managedFields!.map((e) => e.manager), ['alice', 'bob']);
  });

  test('conflict with an Update manager is worded as Kubernetes words it', () => {
    const created = trackUpdate(undefined, config() as KubeObject, { manager: 'kubectl-client-side-apply', model: 'V1Deployment', apiVersion: 'apps/v1', now: T0 });
    assert.throws(
      () => serverSideApply(created, config({ spec: { replicas: 3 } }), opts('kubectl')),
      (e: unknown) => e instanceof StatusError && e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
  });

  test('several conflicts are listed per manager', () => {
    const live = serverSideApply(undefined, config(), opts('alice'));
    const changed = config({ spec: { replicas: 9 }, metadata: { labels: { app: 'other' } } });
    assert.throws(
      () => serverSideApply(live, changed, opts('bob')),
      (e: unknown) => e instanceof StatusError && e.message === 'Apply failed with 2 conflicts: conflicts with "alice":\n- .metadata.labels.app\n- .spec.replicas' && e.details?.causes?.length === 2,
    );
  });

  test('force takes ownership of the conflicting field', () => {
    const live = serverSideApply(undefined, config(), opts('alice'));
    const out = serverSideApply(live, config({ spec: { replicas: 5 } }), opts('bob', { force: true }));
    assert.equal((out.spec as Any).replicas, 5);
    const alice = out.metadata.managedFields!.find((e) => e.manager === 'alice')!;
    const bob = out.metadata.managedFields!.find((e) => e.manager === 'bob')!;
    assert.equal((alice.fieldsV1 as Any)['f:spec']['f:replicas'], undefined);
    assert.deepEqual((bob.fieldsV1 as Any)['f:spec']['f:replicas'], {});
  });

  test('a field dropped from the applied configuration is deleted', () => {
    const live = serverSideApply(undefined, config({ metadata: { labels: { app: 'web', tier: 'front' } } }), opts('kubectl'));
    const out = serverSideApply(live, config(), opts('kubectl', { now: '2024-05-01T11:00:00Z' }));
    assert.deepEqual(out.metadata.labels, { app: 'web' });
    assert.equal(out.metadata.managedFields![0].time, '2024-05-01T11:00:00Z');
  });

  test('a dropped field that another manager also owns stays', () => {
    const live = serverSideApply(undefined, config({ metadata: { labels: { app: 'web', tier: 'front' } } }), opts('kubectl'));
    const shared = serverSideApply(live, config({ metadata: { labels: { app: 'web', tier: 'front' } } }), opts('other'));
    const out = serverSideApply(shared, config(), opts('kubectl'));
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front' });
  });

  test('list-map items of other managers are kept; the applier merges by key', () => {
    const live = serverSideApply(undefined, config(), opts('kubectl'));
    const withSidecar = serverSideApply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }, opts('injector'));
    assert.deepEqual((withSidecar.spec as Any).template.spec.containers.map((c: Any) => c.name), ['nginx', 'sidecar']);
    const bumped = serverSideApply(withSidecar, config({ spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } } }), opts('kubectl'));
    const containers = (bumped.spec as Any).template.spec.containers;
    assert.deepEqual(containers.map((c: Any) => [c.name, c.image]), [['nginx', 'nginx:1.27'], ['sidecar', 'busybox']]);
    assert.equal(containers[0].ports, undefined, 'ports the applier no longer applies are removed');
  });

  test('applying to an object without managedFields credits existing fields to before-first-apply', () => {
    const live = { ...config(), metadata: { ...config().metadata, uid: 'u1' } } as KubeObject;
    assert.throws(() => serverSideApply(live, config({ spec: { replicas: 7 } }), opts('kubectl')), (e: unknown) => e instanceof StatusError && /"before-first-apply" using apps\/v1: \.spec\.replicas/.test(e.message));
  });

  test('an applied configuration must not carry managedFields', () => {
    const bad = config();
    bad.metadata.managedFields = [];
    assert.throws(() => serverSideApply(undefined, bad, opts('kubectl')), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'metadata.managedFields must be nil');
  });

  test('status in an apply to the main resource is not owned', () => {
    const out = serverSideApply(undefined, { ...config(), status: { replicas: 1 } }, opts('kubectl'));
    assert.equal((out.metadata.managedFields![0].fieldsV1 as Any)['f:status'], undefined);
  });

  test('a ConfigMap: data keys are owned individually', () => {
    const cm = (data: object): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    const o = { force: false, model: 'V1ConfigMap', apiVersion: 'v1', now: T0 };
    const live = serverSideApply(undefined, cm({ a: '1', b: '2' }), { ...o, manager: 'one' });
    const next = serverSideApply(live, cm({ c: '3' }), { ...o, manager: 'two' });
    assert.deepEqual(next.data, { a: '1', b: '2', c: '3' });
    const pruned = serverSideApply(next, cm({ a: '1' }), { ...o, manager: 'one' });
    assert.deepEqual(pruned.data, { a: '1', c: '3' });
  });
});
