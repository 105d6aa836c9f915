import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PriorityResolver, defaultPriority, type PriorityClassLike } from './priority.ts';
import { makePod } from './testing.ts';

function resolver(classes: PriorityClassLike[]): PriorityResolver {
  return new PriorityResolver({ get: (name) => classes.find((c) => c.metadata?.name === name), list: () => classes });
}

describe('PriorityResolver', () => {
  const classes = [
    { metadata: { name: 'high' }, value: 1000 },
    { metadata: { name: 'default-a' }, value: 7, globalDefault: true },
    { metadata: { name: 'default-b' }, value: 5, globalDefault: true },
  ];

  test('spec.priority wins and the pod is returned as is', () => {
    const pod = makePod('p', { priority: 3, spec: { priorityClassName: 'high', containers: [] } });
    assert.equal(resolver(classes).resolve(pod), pod);
  });

  test('priorityClassName resolves to its value on a copy; frozen input is not touched', () => {
    const pod = Object.freeze(makePod('p', { spec: { priorityClassName: 'high', containers: [] } }));
    const out = resolver(classes).resolve(pod);
    assert.equal(out.spec?.priority, 1000);
    assert.equal(pod.spec?.priority, undefined);
  });

  test('no class: the lowest globalDefault value, else 0; system classes are known without objects', () => {
    assert.equal(defaultPriority(classes), 5);
    assert.equal(resolver(classes).priorityOf(makePod('p')), 5);
    assert.equal(resolver([]).priorityOf(makePod('p')), 0);
    assert.equal(resolver([]).priorityOf(makePod('p', { spec: { priorityClassName: 'system-node-critical', containers: [] } })), 2_000_001_000);
    assert.equal(resolver([]).priorityOf(makePod('p', { spec: { priorityClassName: 'missing', containers: [] } })), 0);
  });
});
