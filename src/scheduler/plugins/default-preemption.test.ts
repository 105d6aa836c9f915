import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';
import { pickOneNode } from './default-preemption.ts';
import { newPodInfo } from '../pod-info.ts';

test('preemption nominates a node and evicts the lowest-priority pods first', () => {
  const nodes = [makeNode('a', { cpu: '4' })];
  const bound = [
    makePod('low', { cpu: '2', priority: 1, nodeName: 'a' }),
    makePod('mid', { cpu: '2', priority: 5, nodeName: 'a' }),
  ];
  const { algorithm } = makeScheduler(nodes, bound);
  const out = algorithm.scheduleOne(makePod('high', { cpu: '2', priority: 10 }));
  assert.equal(out.kind, 'unschedulable');
  if (out.kind !== 'unschedulable') return;
  assert.equal(out.nominatedNodeName, 'a');
  assert.deepEqual(out.victims.map((p) => p.metadata?.name), ['low']);
  assert.equal(out.error.message, '0/1 nodes are available: 1 Insufficient cpu.');
});

test('no lower-priority pods: no victims; preemptionPolicy Never is not eligible', () => {
  const nodes = [makeNode('a', { cpu: '2' })];
  const bound = [makePod('peer', { cpu: '2', priority: 10, nodeName: 'a' })];
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '1', priority: 10 })), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  const never = makePod('n', { cpu: '1', priority: 100, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }], preemptionPolicy: 'Never' } });
  assert.equal(scheduleOnce(nodes, bound, never), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
});

test('evicting everything lower is not enough: the filter reason is reported', () => {
  const nodes = [makeNode('a', { cpu: '2' })];
  const bound = [makePod('low', { cpu: '1', priority: 1, nodeName: 'a' })];
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '3', priority: 10 })), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu..');
});

test('candidate choice: lowest highest-victim priority, then fewest victims', () => {
  const v = (name: string, priority: number) => newPodInfo(makePod(name, { priority }));
  assert.equal(pickOneNode([{ node: 'x', victims: [v('a', 5)] }, { node: 'y', victims: [v('b', 1), v('c', 1)] }]).node, 'y');
  assert.equal(pickOneNode([{ node: 'x', victims: [v('a', 1), v('d', 1)] }, { node: 'y', victims: [v('b', 1)] }]).node, 'y');
});
