import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodUpdated, nodeSchedulingPropertiesChanged, responsibleForPod } from './event-handlers.ts';
import { makeNode, makePod } from './testing.ts';
import type { Node } from './types.ts';

describe('scheduler event filters', () => {
  test('isPodUpdated ignores status, resourceVersion, managedFields and finalizers', () => {
    const a = { ...makePod('p'), status: { phase: 'Pending' } };
    const b = { ...a, metadata: { ...a.metadata, resourceVersion: '9', finalizers: ['x'], managedFields: [] }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled' }] } };
    assert.equal(isPodUpdated(a, b), false);
    assert.equal(isPodUpdated(a, { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } }), true);
    assert.equal(isPodUpdated(a, { ...a, spec: { ...a.spec!, tolerations: [{ key: 'k', operator: 'Exists' }] } }), true);
  });

  test('nodeSchedulingPropertiesChanged ignores heartbeats', () => {
    const n = makeNode('n');
    const withReady = (t: string, status = 'True') => ({ ...n, status: { ...n.status, conditions: [{ type: 'Ready', status, lastHeartbeatTime: t }] } }) as unknown as Node;
    assert.equal(nodeSchedulingPropertiesChanged(withReady('1'), withReady('2')), false);
    assert.equal(nodeSchedulingPropertiesChanged(withReady('1'), withReady('2', 'False')), true);
    assert.equal(nodeSchedulingPropertiesChanged(n, makeNode('n', { cpu: '8' })), true);
    assert.equal(nodeSchedulingPropertiesChanged(n, makeNode('n', { unschedulable: true })), true);
    assert.equal(nodeSchedulingPropertiesChanged(n, makeNode('n', { taints: [{ key: 'k', effect: 'NoSchedule' }] })), true);
    assert.equal(nodeSchedulingPropertiesChanged(n, makeNode('n', { labels: { zone: 'a' } })), true);
  });

  test('responsibleForPod: unset schedulerName means default-scheduler', () => {
    const names = new Set(['default-scheduler']);
    assert.equal(responsibleForPod(makePod('p'), names), true);
    assert.equal(responsibleForPod(makePod('p', { spec: { schedulerName: 'other', containers: [] } }), names), false);
  });
});
