import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { configMapPrinter, controllerRevisionPrinter, priorityClassPrinter, resourceQuotaPrinter, roleBindingPrinter, secretPrinter } from './config.ts';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z') };
const meta = { name: 'cfg', namespace: 'default', creationTimestamp: '2024-05-01T11:59:20Z' };

describe('configmap printer', () => {
  test('NAME DATA AGE, DATA counting data and binaryData keys', () => {
    assert.deepEqual(configMapPrinter.columns.map((c) => c.name), ['Name', 'Data', 'Age']);
    const cm: KubeObject = { kind: 'ConfigMap', metadata: { ...meta }, data: { a: '1', b: '2' }, binaryData: { c: 'AAE=' } };
    assert.deepEqual(configMapPrinter.print(cm, ctx).cells, ['cfg', 3, '40s']);
    assert.deepEqual(configMapPrinter.print({ metadata: { ...meta } }, ctx).cells, ['cfg', 0, '40s']);
  });
});

describe('secret printer', () => {
  test('NAME TYPE DATA AGE', () => {
    assert.deepEqual(secretPrinter.columns.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
    const secret: KubeObject = { kind: 'Secret', metadata: { ...meta }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } };
    assert.deepEqual(secretPrinter.print(secret, ctx).cells, ['cfg', 'kubernetes.io/tls', 2, '40s']);
  });
});

describe('access and policy printers', () => {
  test('RoleBinding: ROLE kind/name and wide USERS GROUPS SERVICEACCOUNTS', () => {
    const rb: KubeObject = {
      metadata: { ...meta },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
      ],
    };
    assert.deepEqual(roleBindingPrinter.print(rb, ctx).cells, ['cfg', 'ClusterRole/view', '40s', 'alice, bob', 'devs', 'ci/builder']);
  });

  test('PriorityClass prints PREEMPTIONPOLICY as a priority-0 column', () => {
    assert.equal(priorityClassPrinter.columns[4]!.priority, 0);
    const pc: KubeObject = { metadata: { name: 'system-node-critical', creationTimestamp: meta.creationTimestamp }, value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' };
    assert.deepEqual(priorityClassPrinter.print(pc, ctx).cells, ['system-node-critical', 2000001000, false, '40s', 'PreemptLowerPriority']);
  });

  test('ResourceQuota: sorted used/hard pairs, limits.* in LIMIT', () => {
    const quota: KubeObject = {
      metadata: { ...meta },
      status: { hard: { pods: '10', 'limits.cpu': '2', 'requests.cpu': '1', 'limits.memory': '1Gi' }, used: { pods: '3', 'limits.cpu': '500m' } },
    };
    assert.deepEqual(resourceQuotaPrinter.print(quota, ctx).cells, ['cfg', 'pods: 3/10, requests.cpu: 0/1', 'limits.cpu: 500m/2, limits.memory: 0/1Gi', '40s']);
  });

  test('ControllerRevision: the controller as kind.group/name', () => {
    const cr: KubeObject = {
      metadata: { ...meta, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'proxy', uid: 'u1', controller: true }] },
      revision: 4,
    };
    assert.deepEqual(controllerRevisionPrinter.print(cr, ctx).cells, ['cfg', 'daemonset.apps/proxy', 4, '40s']);
  });
});
