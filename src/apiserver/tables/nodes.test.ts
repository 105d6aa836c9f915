import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { namespacePrinter, nodePrinter, nodeRoles } from './nodes.ts';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z') };

function node(labels: Record<string, string>, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { kind: 'Node', metadata: { name: 'node-1', labels, creationTimestamp: '2024-04-28T02:00:00Z' }, spec, status };
}

const nodeInfo = { kubeletVersion: 'v1.32.0+skiff', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.6.20' };

describe('node printer', () => {
  test('columns are NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME', () => {
    assert.deepEqual(nodePrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Roles', 0], ['Age', 0], ['Version', 0],
      ['Internal-IP', 1], ['External-IP', 1], ['OS-Image', 1], ['Kernel-Version', 1], ['Container-Runtime', 1],
    ]);
  });

  test('a ready control-plane node with wide cells', () => {
    const n = node(
      { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true', 'kubernetes.io/hostname': 'node-1' },
      {},
      { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }], addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '192.168.1.10' }], nodeInfo },
    );
    assert.deepEqual(nodePrinter.print(n, ctx).cells, [
      'node-1', 'Ready', 'control-plane,master', '3d10h', 'v1.32.0+skiff', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'containerd://1.6.20',
    ]);
  });

  test('NotReady, Unknown and SchedulingDisabled; <unknown> for missing node info', () => {
    const cordoned = node({}, { unschedulable: true }, { conditions: [{ type: 'Ready', status: 'False' }] });
    assert.deepEqual(nodePrinter.print(cordoned, ctx).cells.slice(1, 3), ['NotReady,SchedulingDisabled', '<none>']);
    const fresh = node({}, {}, {});
    assert.deepEqual(nodePrinter.print(fresh, ctx).cells, ['node-1', 'Unknown', '<none>', '3d10h', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });

  test('roles come from node-role.kubernetes.io/* keys and the kubernetes.io/role value', () => {
    assert.deepEqual(nodeRoles({ 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/etcd': '', 'node-role.kubernetes.io/': 'x' }), ['etcd', 'worker']);
  });
});

describe('namespace printer', () => {
  test('NAME STATUS AGE', () => {
    const ns: KubeObject = { metadata: { name: 'kube-system', creationTimestamp: '2024-05-01T11:00:00Z' }, status: { phase: 'Active' } };
    assert.deepEqual(namespacePrinter.print(ns, ctx).cells, ['kube-system', 'Active', '60m']);
  });
});
