import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../../api/registry.ts';
import { MATCH_ALL, predicateFor } from './filter.ts';

const PODS = findResource('', 'v1', 'pods')!;

test('a request without selectors gets MATCH_ALL (callers then parse no cached object); selectors get a real test', () => {
  assert.equal(predicateFor(PODS, new URLSearchParams()), MATCH_ALL);
  assert.equal(predicateFor(PODS, new URLSearchParams('labelSelector=&fieldSelector=')), MATCH_ALL);
  const byNode = predicateFor(PODS, new URLSearchParams('fieldSelector=spec.nodeName%3Dn1'));
  assert.notEqual(byNode, MATCH_ALL);
  const pod = (nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { nodeName } });
  assert.equal(byNode(pod('n1')), true);
  assert.equal(byNode(pod('n2')), false);
  // A watch on one name is a metadata.name selector.
  assert.notEqual(predicateFor(PODS, new URLSearchParams(), 'p'), MATCH_ALL);
});
