import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

test('NodeName: only the named node fits', () => {
  const nodes = [makeNode('a'), makeNode('b')];
  assert.equal(scheduleOnce(nodes, [], makePod('p', { nodeName: 'b' })), 'b');
  assert.equal(scheduleOnce(nodes, [], makePod('p', { nodeName: 'zz' }), { profile: { schedulerName: 't', plugins: [{ name: 'NodeName' }] } }), "0/2 nodes are available: 2 node(s) didn't match the requested node name.");
  void makeScheduler;
});
