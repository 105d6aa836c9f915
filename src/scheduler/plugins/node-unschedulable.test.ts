import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

test('NodeUnschedulable: cordoned nodes reject unless the pod tolerates the taint', () => {
  const nodes = [makeNode('a', { unschedulable: true })];
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'NodeUnschedulable' }] } };
  assert.equal(scheduleOnce(nodes, [], makePod('p'), opts), '0/1 nodes are available: 1 node(s) were unschedulable.');
  const tolerant = makePod('t', { spec: { containers: [], tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.equal(scheduleOnce(nodes, [], tolerant, opts), 'a');
  void makeScheduler;
});
