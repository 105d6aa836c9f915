import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

test('TaintToleration filter: NoSchedule and NoExecute need a toleration; message names the taint', () => {
  const nodes = [makeNode('a', { taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }] }), makeNode('b', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })];
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'TaintToleration' }] } };
  assert.equal(scheduleOnce(nodes, [], makePod('p'), opts), '0/2 nodes are available: 1 node(s) had untolerated taint {k: v}, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.');
  const tolerates = makePod('t', { spec: { containers: [], tolerations: [{ key: 'k', operator: 'Equal', value: 'v' }] } });
  assert.equal(scheduleOnce(nodes, [], tolerates, opts), 'a');
  const everything = makePod('e', { spec: { containers: [], tolerations: [{ operator: 'Exists' }] } });
  assert.notEqual(scheduleOnce(nodes, [], everything, opts).startsWith('0/'), true);
});

test('TaintToleration score: fewer untolerated PreferNoSchedule taints win', () => {
  const nodes = [makeNode('soft', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), makeNode('clean')];
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'TaintToleration', weight: 3 }] } };
  for (let i = 0; i < 5; i++) assert.equal(scheduleOnce(nodes, [], makePod('p' + i), opts), 'clean');
  void makeScheduler;
});
