import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanced, leastAllocated, mostAllocated } from './resource-allocation.ts';
import { makeNode, makePod, scheduleOnce } from '../testing.ts';

test('balanced score is (1 - std of fractions) * 100, as Kubernetes computes it', () => {
  assert.equal(balanced(Float64Array.of(1000, 2 ** 30), Float64Array.of(4000, 4 * 2 ** 30), [1, 1]), 100);
  assert.equal(balanced(Float64Array.of(2000, 0), Float64Array.of(4000, 4 * 2 ** 30), [1, 1]), 75);
  assert.equal(leastAllocated(Float64Array.of(1000, 3000), Float64Array.of(4000, 4000), [1, 1]), 50);
  assert.equal(mostAllocated(Float64Array.of(1000, 5000), Float64Array.of(4000, 4000), [1, 1]), 62);
});

test('BalancedAllocation prefers the node where cpu and memory stay even', () => {
  const nodes = [makeNode('cpu-heavy', { cpu: '4', memory: '4Gi' }), makeNode('even', { cpu: '4', memory: '4Gi' })];
  const bound = [makePod('x', { cpu: '2', nodeName: 'cpu-heavy' }), makePod('y', { cpu: '1', memory: '1Gi', nodeName: 'even' })];
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'NodeResourcesBalancedAllocation', weight: 1 }] } };
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '100m', memory: '100Mi' }), opts), 'even');
});
