import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { trackUpdate } from './managed-fields.ts';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const opts = (manager: string, now: string, extra: object = {}) => ({ manager, model: 'V1Deployment', apiVersion: 'apps/v1', now, ...extra });

function deployment(replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  };
}

describe('trackUpdate', () => {
  test('create records every set field for the manager under operation Update', () => {
    const out = trackUpdate(undefined, deployment(), opts('kubectl-create', '2024-05-01T10:00:00Z'));
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });
  test('a second manager changing a field takes it from the first', () => {
    const created = trackUpdate(undefined, deployment(), opts('kubectl-create', '2024-05-01T10:00:00Z'));
    const scaled = trackUpdate(created, { ...created, spec: { ...(created.spec as Any), replicas: 3 } }, opts('kubectl-scale', '2024-05-01T10:05:00Z'));
    const [first, second] = scaled.metadata.managedFields!;
    assert.equal(first.manager, 'kubectl-create');
    assert.equal((first.fieldsV1 as Any)['f:spec']['f:replicas'], undefined);
    assert.equal(second.manager, 'kubectl-scale');
    assert.deepEqual(second.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(second.time, '2024-05-01T10:05:00Z');
  });
  test('the same manager, operation and apiVersion share one entry whose time moves', () => {
    const created = trackUpdate(undefined, deployment(), opts('editor', '2024-05-01T10:00:00Z'));
    const again = trackUpdate(created, { ...created, metadata: { ...created.metadata, labels: { app: 'web', tier: 'x' } } }, opts('editor', '2024-05-01T11:00:00Z'));
    assert.equal(again.metadata.managedFields!.length, 1);
    assert.equal(again.metadata.managedFields![0].time, '2024-05-01T11:00:00Z');
    assert.deepEqual((again.metadata.managedFields![0].fieldsV1 as Any)['f:metadata']['f:labels']['f:tier'], {});
  });
  test('a write that changes nothing keeps the entry time', () => {
    const created = trackUpdate(undefined, deployment(), opts('editor', '2024-05-01T10:00:00Z'));
    const same = trackUpdate(created, structuredClone(created), opts('other', '2024-05-01T12:00:00Z'));
    assert.deepEqual(same.metadata.managedFields, created.metadata.managedFields);
  });
  test('managedFields: [] in the request resets ownership and leaves the object untracked', () => {
    const created = trackUpdate(undefined, deployment(), opts('editor', '2024-05-01T10:00:00Z'));
    const reset = trackUpdate(created, { ...created, metadata: { ...created.metadata, managedFields: [] } }, opts('editor', '2024-05-01T11:00:00Z'));
    assert.equal(reset.metadata.managedFields, undefined);
  });
  test('an existing object without managedFields stays untracked', () => {
    const out = trackUpdate(deployment(), deployment(5), opts('editor', '2024-05-01T11:00:00Z'));
    assert.equal(out.metadata.managedFields, undefined);
  });
  test('a removed field leaves every manager', () => {
    const created = trackUpdate(undefined, deployment(), opts('kubectl-create', '2024-05-01T10:00:00Z'));
    const { labels: _labels, ...meta } = created.metadata;
    const out = trackUpdate(created, { ...created, metadata: meta }, opts('kubectl-edit', '2024-05-01T10:05:00Z'));
    assert.equal((out.metadata.managedFields![0].fieldsV1 as Any)['f:metadata'], undefined);
    assert.equal(out.metadata.managedFields!.length, 1, 'the editor removed fields but owns nothing new');
  });
  test('status subresource writes are recorded with subresource and do not own spec', () => {
    const created = trackUpdate(undefined, deployment(), opts('kubectl-create', '2024-05-01T10:00:00Z'));
    const out = trackUpdate(created, { ...created, status: { replicas: 1 } }, opts('kube-controller-manager', '2024-05-01T10:01:00Z', { subresource: 'status' }));
    const entry = out.metadata.managedFields!.find((e) => e.manager === 'kube-controller-manager')!;
    assert.equal(entry.subresource, 'status');
    assert.deepEqual(entry.fieldsV1, { 'f:status': { '.': {}, 'f:replicas': {} } });
  });
  test('inputs are not modified', () => {
    const input = deployment();
    trackUpdate(undefined, input, opts('x', '2024-05-01T10:00:00Z'));
    assert.equal(input.metadata.managedFields, undefined);
  });
  test('an update within the writer\'s own fields gives what the full bookkeeping gives', () => {
    // Carrying the live managedFields over (same array) takes the cheap path; a copy of them takes
    // the full decode/compare/encode path. Both must agree on every kind of write.
    const created = trackUpdate(undefined, deployment(), opts('editor', '2024-05-01T10:00:00Z'));
    const scaled = trackUpdate(created, { ...created, spec: { ...(created.spec as Any), replicas: 2 } }, opts('scaler', '2024-05-01T10:01:00Z'));
    scaled.metadata.resourceVersion = '7';
    const writes: [string, (o: KubeObject) => KubeObject][] = [
      ['own field changed', (o) => ({ ...o, spec: { ...(o.spec as Any), template: { ...(o.spec as Any).template, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } } })],
      ['field of another manager changed', (o) => ({ ...o, spec: { ...(o.spec as Any), replicas: 5 } })],
      ['field added', (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: 'web', tier: 'x' } } })],
      ['field removed', (o) => ({ ...o, metadata: { ...o.metadata, labels: undefined } })],
      ['nothing changed', (o) => ({ ...o })],
    ];
    for (const [what, change] of writes) {
      for (const manager of ['editor', 'scaler', 'newcomer']) {
        // Every update drops metadata.resourceVersion, which nobody owns.
        const next = change({ ...scaled, metadata: { ...scaled.metadata, resourceVersion: '7' } });
        delete next.metadata.resourceVersion;
        const cheap = trackUpdate(scaled, { ...next, metadata: { ...next.metadata, managedFields: scaled.metadata.managedFields } }, opts(manager, '2024-05-01T11:00:00Z'));
        const full = trackUpdate(scaled, { ...next, metadata: { ...next.metadata, managedFields: structuredClone(scaled.metadata.managedFields) } }, opts(manager, '2024-05-01T11:00:00Z'));
        assert.deepEqual(cheap.metadata.managedFields, full.metadata.managedFields, `${what} by ${manager}`);
      }
    }
  });
});
