import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

test('NodeResourcesFit filter: cpu, memory, extended resources and pod count', () => {
  const opts = { profile: { schedulerName: 't', plugins: [{ name: 'NodeResourcesFit' }] } };
  const nodes = [makeNode('a', { cpu: '2', extra: { 'example.com/gpu': '1' } })];
  const bound = [makePod('x', { cpu: '1500m', nodeName: 'a' })];
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '600m' }), opts), '0/1 nodes are available: 1 Insufficient cpu.');
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '500m' }), opts), 'a');
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { requests: { 'example.com/gpu': '2' } }), opts), '0/1 nodes are available: 1 Insufficient example.com/gpu.');
  assert.equal(scheduleOnce([makeNode('a', { pods: '1' })], [makePod('x', { nodeName: 'a' })], makePod('p'), opts), '0/1 nodes are available: 1 Too many pods.');
});

test('NodeResourcesFit score: LeastAllocated spreads, MostAllocated packs', () => {
  const nodes = [makeNode('full', { cpu: '4', memory: '4Gi' }), makeNode('empty', { cpu: '4', memory: '4Gi' })];
  const bound = [makePod('x', { cpu: '2', memory: '2Gi', nodeName: 'full' })];
  const least = { profile: { schedulerName: 't', plugins: [{ name: 'NodeResourcesFit', weight: 1 }] } };
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '100m', memory: '100Mi' }), least), 'empty');
  const most = { profile: { schedulerName: 't', plugins: [{ name: 'NodeResourcesFit', weight: 1 }], pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: 'MostAllocated' } } } } };
  assert.equal(scheduleOnce(nodes, bound, makePod('p', { cpu: '100m', memory: '100Mi' }), most), 'full');
  void makeScheduler;
});
