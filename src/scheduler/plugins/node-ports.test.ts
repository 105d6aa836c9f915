import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

const withPort = (name: string, port: number, ip?: string, nodeName?: string) => makePod(name, { nodeName, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP: ip }] }] } });

test('NodePorts: a used host port rejects the node; 0.0.0.0 clashes with any IP', () => {
  const nodes = [makeNode('a'), makeNode('b')];
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'NodePorts' }] } };
  const bound = [withPort('x', 8080, undefined, 'a'), withPort('y', 8080, '10.0.0.1', 'b')];
  assert.equal(scheduleOnce(nodes, bound, withPort('p', 8080), opts), "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  assert.equal(scheduleOnce(nodes, bound, withPort('p', 8080, '10.0.0.2'), opts), 'b');
  assert.equal(scheduleOnce(nodes, bound, withPort('p', 9090), opts).length, 1);
  void makeScheduler;
});
