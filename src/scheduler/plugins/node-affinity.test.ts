import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

const zoned = [makeNode('a', { labels: { zone: 'z1', gen: '3' } }), makeNode('b', { labels: { zone: 'z2', gen: '5' } })];
const opts = { profile: { schedulerName: 't', plugins: [{ name: 'NodeAffinity', weight: 2 }] } };
const required = (terms: object[]) => makePod('p', { spec: { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } } });

test('NodeAffinity: nodeSelector must match', () => {
  assert.equal(scheduleOnce(zoned, [], makePod('p', { spec: { containers: [], nodeSelector: { zone: 'z2' } } }), opts), 'b');
  assert.equal(scheduleOnce(zoned, [], makePod('p', { spec: { containers: [], nodeSelector: { zone: 'z9' } } }), opts), "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
});

test('NodeAffinity: operators In/NotIn/Exists/DoesNotExist/Gt/Lt, terms ORed', () => {
  assert.equal(scheduleOnce(zoned, [], required([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }]), opts), 'b');
  assert.equal(scheduleOnce(zoned, [], required([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }]), opts), 'b');
  assert.equal(scheduleOnce(zoned, [], required([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }]), opts), 'a');
  assert.equal(scheduleOnce(zoned, [], required([{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }]), opts), 'a');
  assert.match(scheduleOnce(zoned, [], required([{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }]), opts), /2 node\(s\) didn't match Pod's node affinity\/selector/);
});

test('NodeAffinity: matchFields metadata.name narrows the candidates in PreFilter', () => {
  const nodes = [...zoned, makeNode('c')];
  assert.equal(scheduleOnce(nodes, [], required([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }]), opts), 'c');
  const msg = scheduleOnce(nodes, [], required([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }], matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }]), opts);
  assert.equal(msg, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].");
});

test('NodeAffinity score: preferred terms weigh in', () => {
  const pod = makePod('p', { spec: { containers: [], affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } }] } } } });
  for (let i = 0; i < 5; i++) assert.equal(scheduleOnce(zoned, [], pod, opts), 'b');
  void makeScheduler;
});
